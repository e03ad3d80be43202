import { createDocumentImportRepository, SYSTEM_VIEWER } from '@aae/db';
import { createLocalEmbeddingModel, type EmbeddingModel } from '@aae/engine';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentImports, IMPORT_LOST_MESSAGE, type DocumentImportView } from '@aae/runtime';
import { createTestServices, type Caller, type TestServices } from '../testing/test-services.ts';

/**
 * An embedding model that embeds as the local one does, but each call waits until the test lets
 * it through, so a test sees an import part-way; `fail` makes the next call throw.
 */
function gatedEmbeddings() {
  const local = createLocalEmbeddingModel();
  let allowed = 0;
  let waiting: Array<() => void> = [];
  let failNext: Error | null = null;
  let calls = 0;
  const model: EmbeddingModel = {
    id: 'gated-embed',
    async embed(texts, signal) {
      calls += 1;
      while (allowed === 0) {
        signal?.throwIfAborted();
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          signal?.addEventListener('abort', () => resolve(), { once: true });
        });
      }
      signal?.throwIfAborted();
      allowed -= 1;
      if (failNext) {
        const error = failNext;
        failNext = null;
        throw error;
      }
      return local.embed(texts, signal);
    },
  };
  return {
    model,
    get calls() {
      return calls;
    },
    /** Lets `count` more calls through. */
    allow(count = 1) {
      allowed += count;
      const wake = waiting;
      waiting = [];
      for (const resolve of wake) resolve();
    },
    /** Holds every call from now on. */
    hold() {
      allowed = 0;
      failNext = null;
    },
    failNextWith(error: Error) {
      failNext = error;
    },
  };
}

/** About `chunks` chunks of 200 tokens: three embedding calls of 64 for 150. */
const longDocument = (title: string, chunks: number) => ({
  title,
  mediaType: 'text/plain' as const,
  content: Array.from({ length: chunks * 12 }, (_, index) => `Herons wade in shallow water and wait for fish, note ${index}.`).join(' '),
});

let t: TestServices;
let demo: Caller;
let other: Caller;
let admin: Caller;
const gate = gatedEmbeddings();

beforeAll(async () => {
  t = await createTestServices({ embeddings: [gate.model], imports: { pollMs: 50 }, usageLimits: { importsPerPerson: 2 } });
  demo = await t.caller('demo');
  other = await t.caller('other');
  admin = await t.caller('admin');
});
afterAll(() => t?.close());
beforeEach(() => gate.hold());

async function repository(caller: Caller = demo) {
  return caller.knowledge.repositories.create({ name: `Imports ${Math.random()}`, embeddingModel: 'gated-embed' });
}

/** Reads an import's progress subscription until it ends (or `until` says stop). */
async function watch(caller: Caller, importId: string, until: (view: DocumentImportView) => boolean = () => false, seen: DocumentImportView[] = []) {
  for await (const view of await caller.knowledge.documents.importProgress({ importId })) {
    seen.push(view);
    if (until(view)) break;
  }
  return seen;
}

async function waitForWaitingCall(count: number) {
  await expect.poll(() => gate.calls, { timeout: 30_000 }).toBeGreaterThanOrEqual(count);
}

describe('document imports', () => {
  it('returns before anything is embedded; progress per document arrives through a read-only subscription; then the documents are stored', async () => {
    const { id: repositoryId } = await repository();
    const callsBefore = gate.calls;
    const started = await demo.knowledge.documents.import({ repositoryId, documents: [longDocument('First', 100), longDocument('Second', 50)] });
    expect(started).toMatchObject({ status: 'running', repositoryId, documents: null, error: null });
    expect(started.id).toMatch(/^imp_/);
    await waitForWaitingCall(callsBefore + 1);

    // Held at the first batch: the subscription shows it running, nothing stored yet.
    const first = await watch(demo, started.id, () => true);
    expect(first[0]).toMatchObject({ status: 'running' });
    expect((await demo.knowledge.documents.list({ repositoryId })).items).toEqual([]);

    const seen: DocumentImportView[] = [];
    const reading = watch(demo, started.id, undefined, seen);
    gate.allow(1);
    // Held at the second batch: the first step is seen, with the first document partly embedded.
    await expect.poll(() => seen.at(-1)?.progress.currentStep, { timeout: 30_000 }).toBe(1);
    expect((await demo.knowledge.documents.getImport({ importId: started.id })).status).toBe('running');
    expect((await demo.knowledge.documents.list({ repositoryId })).items).toEqual([]);
    gate.allow(100);
    await reading;
    const last = seen.at(-1)!;
    expect(last.status).toBe('completed');
    expect(last.documents!.map((document) => document.title)).toEqual(['First', 'Second']);
    expect(last.progress.percentage).toBe(100);
    for (const document of last.progress.documents) expect(document.embeddedChunks).toBe(document.chunks);
    const chunks = last.progress.documents.map((document) => document.chunks);
    expect(chunks[0]).toBeGreaterThan(64);
    // Along the way, each document's count only grows and never passes its total.
    const mid = seen.find((view) => view.progress.currentStep === 1);
    expect(mid?.progress.documents[0]).toMatchObject({ embeddedChunks: 64, chunks: chunks[0] });
    expect(mid?.progress.documents[1]).toMatchObject({ embeddedChunks: 0, chunks: chunks[1] });
    const steps = seen.map((view) => view.progress.currentStep);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));

    const stored = (await demo.knowledge.documents.list({ repositoryId })).items;
    expect(stored.map((document) => [document.title, document.chunkCount])).toEqual([
      ['First', chunks[0]],
      ['Second', chunks[1]],
    ]);
    // After it ended, watching again gives the outcome at once and ends.
    expect(await watch(demo, started.id)).toEqual([expect.objectContaining({ status: 'completed' })]);
    // Found again among the starter's own imports (after a page reload, say); not among anyone else's.
    expect((await demo.knowledge.documents.listImports({ repositoryId })).map((item) => [item.id, item.status])).toEqual([[started.id, 'completed']]);
    expect((await other.knowledge.documents.listImports()).map((item) => item.id)).not.toContain(started.id);
  });

  it('can be cancelled while running: it ends cancelled and stores nothing', async () => {
    const { id: repositoryId } = await repository();
    const callsBefore = gate.calls;
    const started = await demo.knowledge.documents.import({ repositoryId, documents: [longDocument('Cancelled', 100)] });
    await waitForWaitingCall(callsBefore + 1);
    const reading = watch(demo, started.id);
    expect(await demo.knowledge.documents.cancelImport({ importId: started.id })).toEqual({ importId: started.id, cancelled: true });
    expect((await reading).at(-1)).toMatchObject({ status: 'cancelled' });
    expect((await demo.knowledge.documents.list({ repositoryId })).items).toEqual([]);
    await expect(demo.knowledge.documents.cancelImport({ importId: started.id })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `Import ${started.id} has already ended`,
    });
  });

  it('ends failed with a message when embedding fails, storing nothing', async () => {
    const { id: repositoryId } = await repository();
    gate.failNextWith(new Error('provider said no at /srv/secret/path.ts:12'));
    gate.allow(1);
    const started = await demo.knowledge.documents.import({ repositoryId, documents: [longDocument('Broken', 10)] });
    const last = (await watch(demo, started.id)).at(-1)!;
    expect(last.status).toBe('failed');
    // The cause stays in the server log; the person gets words and the import's id.
    expect(last.error).toBe(`The import failed (import ${started.id}); the server log has the details. Nothing was stored.`);
    expect((await demo.knowledge.documents.list({ repositoryId })).items).toEqual([]);
  });

  it('is visible to its starter and admins only; the import of someone else does not exist', async () => {
    const { id: repositoryId } = await repository();
    gate.allow(10);
    const started = await demo.knowledge.documents.import({ repositoryId, documents: [longDocument('Mine', 2)] });
    await watch(demo, started.id);
    const notFound = { code: 'NOT_FOUND', message: `Import ${started.id} does not exist` };
    await expect(other.knowledge.documents.getImport({ importId: started.id })).rejects.toMatchObject(notFound);
    await expect(watch(other, started.id)).rejects.toMatchObject(notFound);
    await expect(other.knowledge.documents.cancelImport({ importId: started.id })).rejects.toMatchObject(notFound);
    expect(await admin.knowledge.documents.getImport({ importId: started.id })).toMatchObject({ status: 'completed' });
    await expect(demo.knowledge.documents.getImport({ importId: 'imp_nope' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('refuses a start past the running imports one person may have (429), until one ends', async () => {
    const { id: repositoryId } = await repository();
    const callsBefore = gate.calls;
    const held = await Promise.all([
      demo.knowledge.documents.import({ repositoryId, documents: [longDocument('Held 1', 100)] }),
      demo.knowledge.documents.import({ repositoryId, documents: [longDocument('Held 2', 100)] }),
    ]);
    await waitForWaitingCall(callsBefore + 2);
    const refused = await demo.knowledge.documents.import({ repositoryId, documents: [longDocument('Third', 1)] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCError);
    expect(refused).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: 'You have 2 document imports running, the most one person may; wait for one to finish',
    });
    // Refused before its PDFs are read: a PDF it would refuse is not even looked at.
    const notAPdf = { title: 'Scan', mediaType: 'application/pdf' as const, content: Buffer.from('not a PDF at all').toString('base64') };
    await expect(demo.knowledge.documents.import({ repositoryId, documents: [notAPdf] })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    // Someone else is not held back by it.
    const othersRepository = await repository(other);
    gate.allow(1_000);
    const theirs = await other.knowledge.documents.import({ repositoryId: othersRepository.id, documents: [longDocument('Theirs', 1)] });
    expect((await watch(other, theirs.id)).at(-1)).toMatchObject({ status: 'completed' });
    for (const started of held) expect((await watch(demo, started.id)).at(-1)).toMatchObject({ status: 'completed' });
    const after = await demo.knowledge.documents.import({ repositoryId, documents: [longDocument('Third', 1)] });
    expect((await watch(demo, after.id)).at(-1)).toMatchObject({ status: 'completed' });
  });

  it('follows an import run by another process through the database, and reports one whose process went away as failed', async () => {
    const { id: repositoryId } = await repository();
    // What another process would write: this process's watchers learn of it only by reading.
    const elsewhere = createDocumentImportRepository(t.services.database.prisma);
    const importId = 'imp_00000000-0000-4000-8000-000000000001';
    const progress = (currentStep: number) => ({
      currentStep,
      totalSteps: 3,
      percentage: Math.round((currentStep / 3) * 100),
      message: `step ${currentStep}`,
      documents: [{ title: 'Far', chunks: 128, embeddedChunks: Math.min(128, currentStep * 64) }],
    });
    await elsewhere.create({ id: importId, repositoryId, requestedById: t.people.demo.id, progress: progress(0) });
    const seen: DocumentImportView[] = [];
    const reading = (async () => {
      for await (const view of await demo.knowledge.documents.importProgress({ importId })) seen.push(view);
    })();
    await expect.poll(() => seen.length).toBe(1);
    await elsewhere.touch(importId, progress(1));
    await expect.poll(() => seen.at(-1)?.progress.currentStep).toBe(1);
    expect(await t.services.database.prisma.$transaction((tx) => elsewhere.completeIn(tx, importId, progress(3), []))).toBe(true);
    await reading;
    expect(seen.map((view) => view.status)).toEqual(['running', 'running', 'completed']);

    // Running, but not heard of for longer than an import may stay silent: its process is gone.
    const lostId = 'imp_00000000-0000-4000-8000-000000000002';
    await elsewhere.create({ id: lostId, repositoryId, requestedById: t.people.demo.id, progress: progress(1) });
    await t.services.database.prisma.documentImport.update({ where: { id: lostId }, data: { updatedAt: new Date(Date.now() - 10 * 60_000) } });
    expect(await watch(demo, lostId)).toEqual([expect.objectContaining({ status: 'failed', error: IMPORT_LOST_MESSAGE })]);
    // Recorded so: were its process only hung, it could no longer store its documents.
    expect(await t.services.database.prisma.documentImport.findUnique({ where: { id: lostId }, select: { status: true } })).toEqual({ status: 'failed' });
    expect(await t.services.database.prisma.$transaction((tx) => elsewhere.completeIn(tx, lostId, progress(3), []))).toBe(false);
    // And it no longer counts against its starter's running imports.
    expect(await t.services.imports.countRunning(t.people.demo.id)).toEqual({ mine: 0, all: 0 });
    await expect(demo.knowledge.documents.cancelImport({ importId: lostId })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('ends as failed, storing nothing, when the server stops during it', async () => {
    const own = await createTestServices({ embeddings: [gate.model] });
    try {
      const caller = await own.caller('demo');
      const { id: repositoryId } = await caller.knowledge.repositories.create({ name: 'Stopping', embeddingModel: 'gated-embed' });
      const callsBefore = gate.calls;
      const started = await caller.knowledge.documents.import({ repositoryId, documents: [longDocument('Interrupted', 100)] });
      await waitForWaitingCall(callsBefore + 1);
      await own.services.imports.stopAll();
      const view = await own.services.imports.get(started.id, SYSTEM_VIEWER);
      expect(view).toMatchObject({ status: 'failed', error: 'The server stopped before the import finished; nothing was stored. Import the documents again.' });
      expect((await caller.knowledge.documents.list({ repositoryId })).items).toEqual([]);
      // A start that arrives while the server stops is refused, not left half-begun.
      await expect(caller.knowledge.documents.import({ repositoryId, documents: [longDocument('Late', 1)] })).rejects.toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        message: 'The server is stopping; import the documents again in a moment',
      });
    } finally {
      await own.close();
    }
  });

  it('stores nothing when a cancel lands while the documents are being stored', async () => {
    const { id: repositoryId } = await repository();
    gate.allow(100);
    // The cancel arrives in the storing transaction, just before the import is marked completed.
    const imports = createDocumentImports({
      imports: createDocumentImportRepository(t.services.database.prisma),
      logger: console,
      knowledge: {
        addDocuments: (id, documents, callbacks) =>
          t.services.knowledge.addDocuments(id, documents, {
            ...callbacks,
            async beforeCommit(tx, stored, step) {
              await tx.documentImport.updateMany({ where: { status: 'running', repositoryId }, data: { cancelRequestedAt: new Date() } });
              await callbacks?.beforeCommit?.(tx, stored, step);
            },
          }),
      },
    });
    const started = await imports.start({ repositoryId, requestedById: t.people.demo.id, documents: [longDocument('Late cancel', 3)] });
    let last: DocumentImportView | undefined;
    for await (const view of imports.watch(started.id, SYSTEM_VIEWER, AbortSignal.timeout(60_000))) last = view;
    expect(last).toMatchObject({ status: 'cancelled', documents: null });
    expect((await demo.knowledge.documents.list({ repositoryId })).items).toEqual([]);
    await imports.stopAll();
  });
});
