import type { StoredEvent } from '@aae/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServices, readSubscription, type Caller, type TestServices } from '../testing/test-services.ts';

let t: TestServices;
let admin: Caller;
let demo: Caller;
let other: Caller;

const inputVariables = [{ name: 'topic', label: 'Topic' }];
const firstPrompts = [
  { name: 'Outline', position: 1, content: 'Outline {{topic}}' },
  { name: 'Draft', position: 2, content: 'Draft from {{output:Outline}}' },
];
const secondPrompts = [
  { name: 'Questions', position: 1, content: 'Ask three questions about {{topic}}' },
  { name: 'Answers', position: 2, content: 'Answer {{output:Questions}}' },
  { name: 'Summary', position: 3, content: 'Summarise {{output:Answers}}' },
];

beforeAll(async () => {
  t = await createTestServices();
  [admin, demo, other] = await Promise.all([t.caller('admin'), t.caller('demo'), t.caller('other')]);
});
afterAll(() => t?.close());

function promptNamesStarted(events: StoredEvent[]): string[] {
  return events.flatMap((event) => (event.eventType === 'prompt-start' ? [event.eventData.promptName] : []));
}

describe('saving an assistant', () => {
  it('starts at version 1 and makes a new version per save, each keeping its own prompts', async () => {
    const created = await demo.assistants.create({ name: 'Brief', inputVariables, prompts: firstPrompts });
    expect(created.version).toBe(1);
    expect((await demo.assistants.get({ id: created.id })).version).toBe(1);

    const saved = await demo.assistants.save({ id: created.id, baseVersion: 1, name: 'Brief, reworked', inputVariables, prompts: secondPrompts });
    expect(saved).toMatchObject({ id: created.id, version: 2, name: 'Brief, reworked' });
    expect(saved.prompts.map((prompt) => prompt.name)).toEqual(['Questions', 'Answers', 'Summary']);
    expect((await demo.assistants.list({ limit: 100 })).items.find((item) => item.id === created.id)).toMatchObject({ version: 2, promptCount: 3 });

    const one = await demo.assistants.version({ id: created.id, number: 1 });
    expect(one).toMatchObject({ number: 1, name: 'Brief', authorName: 'demo', promptCount: 2 });
    expect(one.prompts.map((prompt) => [prompt.name, prompt.position, prompt.content])).toEqual(firstPrompts.map((p) => [p.name, p.position, p.content]));
    expect((await demo.assistants.version({ id: created.id, number: 2 })).prompts).toHaveLength(3);

    // A new name is a new version; sharing is not.
    expect(await demo.assistants.update({ id: created.id, name: 'Brief, renamed' })).toMatchObject({ version: 3, name: 'Brief, renamed' });
    expect((await demo.assistants.version({ id: created.id, number: 3 })).prompts.map((prompt) => prompt.name)).toEqual(['Questions', 'Answers', 'Summary']);
    expect(await demo.assistants.update({ id: created.id, visibility: 'shared' })).toMatchObject({ version: 3, visibility: 'shared' });
    expect(await demo.assistants.update({ id: created.id, name: 'Brief, renamed' })).toMatchObject({ version: 3 });

    await expect(demo.assistants.version({ id: created.id, number: 9 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: `Assistant ${created.id} has no version 9; its versions are 1 to 3`,
    });
  });

  it('refuses a save from a version that is no longer current, and lets one of two saves from the same version through', async () => {
    const { id } = await demo.assistants.create({ name: 'Contested', inputVariables, prompts: firstPrompts });
    await demo.assistants.save({ id, baseVersion: 1, name: 'Contested', inputVariables, prompts: secondPrompts });
    await expect(demo.assistants.save({ id, baseVersion: 1, name: 'Stale', inputVariables, prompts: firstPrompts })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/^Assistant \d+ is at version 2, not version 1 that these changes start from/),
    });

    const results = await Promise.allSettled([
      demo.assistants.save({ id, baseVersion: 2, name: 'First writer', inputVariables, prompts: firstPrompts }),
      admin.assistants.save({ id, baseVersion: 2, name: 'Second writer', inputVariables, prompts: secondPrompts }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((result) => result.status === 'rejected');
    expect(refused?.reason).toMatchObject({ code: 'CONFLICT' });
    const current = await demo.assistants.get({ id });
    expect(current.version).toBe(3);
    expect((await demo.assistants.versions({ id })).items.map((version) => version.number)).toEqual([3, 2, 1]);
  });

  it('shares with the save itself, and a refused save shares nothing', async () => {
    const { id } = await demo.assistants.create({ name: 'Shared on save', inputVariables, prompts: firstPrompts });
    expect(
      await demo.assistants.save({ id, baseVersion: 1, name: 'Shared on save', visibility: 'shared', inputVariables, prompts: secondPrompts }),
    ).toMatchObject({
      version: 2,
      visibility: 'shared',
    });
    await expect(
      demo.assistants.save({ id, baseVersion: 1, name: 'Stale', visibility: 'private', inputVariables, prompts: firstPrompts }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(await demo.assistants.save({ id, baseVersion: 2, name: 'Kept', inputVariables, prompts: firstPrompts })).toMatchObject({
      version: 3,
      visibility: 'shared',
    });
    expect(await demo.assistants.get({ id })).toMatchObject({ version: 3, visibility: 'shared' });
  });

  it('checks what is saved like what is created, with a message naming the fault', async () => {
    const { id } = await demo.assistants.create({ name: 'Checked', inputVariables, prompts: firstPrompts });
    await expect(demo.assistants.save({ id, baseVersion: 0, name: 'x', inputVariables, prompts: firstPrompts })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      demo.assistants.save({ id, baseVersion: 1, name: 'x', inputVariables, prompts: [{ name: 'Only', position: 1, content: 'About {{subject}}' }] }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('subject') });
    await expect(
      demo.assistants.save({ id, baseVersion: 1, name: 'x', inputVariables, prompts: [{ name: 'Only', position: 1, modelId: 'nope', content: 'Hi' }] }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('unknown model "nope"') });
    await expect(
      demo.assistants.save({ id, baseVersion: 1, name: 'x', inputVariables, prompts: [{ id: 987_654, name: 'Only', position: 1, content: 'Hi' }] }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: `Prompt "Only" continues prompt 987654, which is not a prompt of assistant ${id}` });
    await expect(demo.assistants.save({ id: 987_654, baseVersion: 1, name: 'x', inputVariables, prompts: firstPrompts })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'Assistant 987654 does not exist',
    });
    expect((await demo.assistants.get({ id })).version).toBe(1);

    // Deleted between the access check and the save: told it no longer exists, not that it conflicts.
    await demo.assistants.delete({ id });
    const content = {
      name: 'x',
      inputVariables: [{ name: 'topic', label: 'Topic', type: 'text' as const, required: true }],
      prompts: firstPrompts.map((prompt) => ({ ...prompt, modelId: 'local' })),
    };
    await expect(t.services.assistants.save(id, 1, content, null)).rejects.toThrow(`Assistant ${id} does not exist`);
  });

  it('keeps a prompt’s line across versions when the save names the prompt it edits', async () => {
    const created = await demo.assistants.create({ name: 'Lines', inputVariables, prompts: firstPrompts });
    const [outline, draft] = created.prompts;
    const saved = await demo.assistants.save({
      id: created.id,
      baseVersion: 1,
      name: 'Lines',
      inputVariables,
      prompts: [
        { id: outline!.id, name: 'Plan', position: 1, content: 'Plan {{topic}}' },
        { name: 'Fresh', position: 2, content: 'New {{output:Plan}}' },
      ],
    });
    expect(saved.prompts.map((prompt) => prompt.lineageId)).toEqual([outline!.lineageId, saved.prompts[1]!.id]);
    expect(saved.prompts[0]!.id).not.toBe(outline!.id);
    expect(draft!.lineageId).toBe(draft!.id);
    const third = await demo.assistants.update({ id: created.id, description: 'Now described' });
    expect(third.prompts.map((prompt) => prompt.lineageId)).toEqual(saved.prompts.map((prompt) => prompt.lineageId));
  });
});

describe('who may save', () => {
  it('lets only the owner or an admin save; another member cannot, and cannot see a private one exists', async () => {
    const shared = await demo.assistants.create({ name: 'Team brief', visibility: 'shared', inputVariables, prompts: firstPrompts });
    await expect(other.assistants.save({ id: shared.id, baseVersion: 1, name: 'Mine', inputVariables, prompts: secondPrompts })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: `Only the owner of assistant ${shared.id} or an admin may change it`,
    });
    expect((await other.assistants.versions({ id: shared.id })).items).toHaveLength(1);
    expect(await admin.assistants.save({ id: shared.id, baseVersion: 1, name: 'Team brief', inputVariables, prompts: secondPrompts })).toMatchObject({
      version: 2,
    });
    expect((await other.assistants.versions({ id: shared.id })).items[0]).toMatchObject({ number: 2, authorName: 'admin', promptCount: 3 });

    const mine = await demo.assistants.create({ name: 'Private brief', inputVariables, prompts: firstPrompts });
    const missing = { code: 'NOT_FOUND', message: `Assistant ${mine.id} does not exist` };
    await expect(other.assistants.save({ id: mine.id, baseVersion: 1, name: 'x', inputVariables, prompts: firstPrompts })).rejects.toMatchObject(missing);
    await expect(other.assistants.versions({ id: mine.id })).rejects.toMatchObject(missing);
    await expect(other.assistants.version({ id: mine.id, number: 1 })).rejects.toMatchObject(missing);
  });
});

describe('the list of versions', () => {
  it('is paged, newest first, with who saved each and how many prompts it has', async () => {
    const { id } = await demo.assistants.create({ name: 'Many versions', inputVariables, prompts: firstPrompts });
    for (let base = 1; base <= 4; base++) {
      await demo.assistants.save({ id, baseVersion: base, name: 'Many versions', inputVariables, prompts: base % 2 ? secondPrompts : firstPrompts });
    }
    const pages: number[][] = [];
    let cursor: number | null = null;
    do {
      const page: Awaited<ReturnType<typeof demo.assistants.versions>> = await demo.assistants.versions({ id, limit: 2, cursor });
      pages.push(page.items.map((item) => item.number));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(pages).toEqual([[5, 4], [3, 2], [1]]);
    const all = (await demo.assistants.versions({ id })).items;
    expect(all.map((item) => item.promptCount)).toEqual([2, 3, 2, 3, 2]);
    expect(all.every((item) => item.authorName === 'demo' && item.createdAt instanceof Date)).toBe(true);
  });
});

describe('executions and versions', () => {
  it('runs the version current when the execution started, and shows its prompts after the assistant changed', async () => {
    const created = await demo.assistants.create({ name: 'Before the save', inputVariables, prompts: firstPrompts });
    const { executionId } = await demo.executions.execute({ assistantId: created.id, input: { topic: 'otters' } });
    await demo.assistants.save({ id: created.id, baseVersion: 1, name: 'After the save', inputVariables, prompts: secondPrompts });
    const events = (await readSubscription(demo, { executionId })).map((entry) => entry.event);
    expect(events.at(-1)?.eventType).toBe('execution-complete');
    expect(promptNamesStarted(events)).toEqual(['Outline', 'Draft']);
    expect(events.find((event) => event.eventType === 'execution-start')?.eventData).toMatchObject({ toolName: 'Before the save', totalPrompts: 2 });

    const execution = await demo.executions.get({ executionId });
    expect(execution.assistantVersion).toBe(1);
    expect(execution.plan.map((prompt) => [prompt.name, prompt.position, prompt.content])).toEqual(firstPrompts.map((p) => [p.name, p.position, p.content]));
    expect(execution.promptResults.map((result) => result.promptId)).toEqual(execution.plan.map((prompt) => prompt.id));

    const later = await demo.executions.execute({ assistantId: created.id, input: { topic: 'otters' } });
    expect(promptNamesStarted((await readSubscription(demo, later)).map((entry) => entry.event))).toEqual(['Questions', 'Answers', 'Summary']);
    expect(await demo.executions.get(later)).toMatchObject({ assistantVersion: 2, plan: secondPrompts.map((p) => expect.objectContaining(p)) });
  });

  it('runs a queued execution as the version it was started with, even when saved again before a worker claimed it', async () => {
    const created = await demo.assistants.create({ name: 'Queued', inputVariables, prompts: firstPrompts });
    t.services.runner.pause();
    let executionId: number;
    try {
      ({ executionId } = await demo.executions.execute({ assistantId: created.id, input: { topic: 'herons' } }));
      await demo.assistants.save({ id: created.id, baseVersion: 1, name: 'Queued', inputVariables, prompts: secondPrompts });
      expect((await demo.executions.get({ executionId })).status).toBe('pending');
    } finally {
      t.services.runner.resume();
    }
    const events = (await readSubscription(demo, { executionId })).map((entry) => entry.event);
    expect(events.at(-1)?.eventType).toBe('execution-complete');
    expect(promptNamesStarted(events)).toEqual(['Outline', 'Draft']);
    expect(await demo.executions.get({ executionId })).toMatchObject({ assistantVersion: 1, status: 'completed' });
  });

  it('lists executions with the version each ran', async () => {
    // The tests above ran versions 1 and 2 of their assistants: both appear, each as the execution recorded it.
    const page = await demo.executions.list({ limit: 10 });
    expect(new Set(page.items.map((item) => item.assistantVersion))).toEqual(new Set([1, 2]));
    for (const item of page.items) expect(item.assistantVersion).toBe((await demo.executions.get({ executionId: item.id })).assistantVersion);
  });
});

describe('duplicating an assistant', () => {
  it('makes a private copy of what the caller may read, owned by them, at version 1', async () => {
    const shared = await demo.assistants.create({ name: 'Original', description: 'Shared one', visibility: 'shared', inputVariables, prompts: firstPrompts });
    await demo.assistants.save({ id: shared.id, baseVersion: 1, name: 'Original', description: 'Shared one', inputVariables, prompts: secondPrompts });

    const copy = await other.assistants.duplicate({ id: shared.id });
    expect(copy).toMatchObject({ name: 'Original (copy)', description: 'Shared one', ownerId: t.people.other.id, visibility: 'private', version: 1 });
    expect(copy.id).not.toBe(shared.id);
    expect(copy.prompts.map((prompt) => [prompt.name, prompt.content])).toEqual(secondPrompts.map((p) => [p.name, p.content]));
    expect(copy.inputVariables).toEqual([{ name: 'topic', label: 'Topic', type: 'text', required: true }]);
    expect((await other.assistants.versions({ id: copy.id })).items).toEqual([expect.objectContaining({ number: 1, authorName: 'other' })]);
    await expect(demo.assistants.get({ id: copy.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    expect(await other.assistants.duplicate({ id: shared.id, name: 'My own take' })).toMatchObject({ name: 'My own take' });

    const secret = await demo.assistants.create({ name: 'Secret', inputVariables, prompts: firstPrompts });
    await expect(other.assistants.duplicate({ id: secret.id })).rejects.toMatchObject({ code: 'NOT_FOUND', message: `Assistant ${secret.id} does not exist` });
  });
});
