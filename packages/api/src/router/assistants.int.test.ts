import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServices, readSubscription, type Caller, type TestServices } from '../testing/test-services.ts';

let t: TestServices;
let admin: Caller;
let demo: Caller;
let other: Caller;

const prompts = [{ name: 'Only', position: 1, content: 'Say something about {{topic}}' }];
const inputVariables = [{ name: 'topic', label: 'Topic' }];

beforeAll(async () => {
  t = await createTestServices();
  [admin, demo, other] = await Promise.all([t.caller('admin'), t.caller('demo'), t.caller('other')]);
});
afterAll(() => t?.close());

describe('who sees and changes assistants', () => {
  it('keeps a new assistant private to its owner and admins; another member cannot tell it exists', async () => {
    const mine = await demo.assistants.create({ name: 'Diary helper', inputVariables, prompts });
    expect(mine).toMatchObject({ visibility: 'private', ownerId: t.people.demo.id, ownerName: 'demo' });
    expect((await demo.assistants.list()).items.map((assistant) => assistant.id)).toContain(mine.id);
    expect((await admin.assistants.list()).items.map((assistant) => assistant.id)).toContain(mine.id);
    expect((await other.assistants.list()).items.map((assistant) => assistant.id)).not.toContain(mine.id);

    const missing = { code: 'NOT_FOUND', message: `Assistant ${mine.id} does not exist` };
    await expect(other.assistants.get({ id: mine.id })).rejects.toMatchObject(missing);
    await expect(other.executions.execute({ assistantId: mine.id, input: { topic: 'x' } })).rejects.toMatchObject(missing);
    await expect(other.assistants.update({ id: mine.id, visibility: 'shared' })).rejects.toMatchObject(missing);
    await expect(other.assistants.delete({ id: mine.id })).rejects.toMatchObject(missing);
    await expect(other.assistants.get({ id: 987_654 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Assistant 987654 does not exist' });
  });

  it('lets everyone see and run a shared assistant, and only its owner or an admin change it', async () => {
    const shared = await demo.assistants.create({ name: 'Team helper', visibility: 'shared', inputVariables, prompts });
    expect(await other.assistants.get({ id: shared.id })).toMatchObject({ name: 'Team helper', ownerName: 'demo' });
    const { executionId } = await other.executions.execute({ assistantId: shared.id, input: { topic: 'estuaries' } });
    expect((await readSubscription(other, { executionId })).at(-1)?.event.eventType).toBe('execution-complete');
    await expect(other.assistants.update({ id: shared.id, name: 'Mine now' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: `Only the owner of assistant ${shared.id} or an admin may change it`,
    });
    expect(await demo.assistants.update({ id: shared.id, description: 'For the whole team' })).toMatchObject({ description: 'For the whole team' });
    expect(await admin.assistants.update({ id: shared.id, visibility: 'private' })).toMatchObject({ visibility: 'private' });
    await expect(other.assistants.get({ id: shared.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lets only admins change the assistants the product ships with', async () => {
    const demoAssistant = await demo.assistants.get({ id: t.demoAssistantId });
    expect(demoAssistant).toMatchObject({ ownerId: null, ownerName: null, visibility: 'shared' });
    await expect(demo.assistants.update({ id: t.demoAssistantId, name: 'Renamed' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(admin.assistants.update({ id: t.demoAssistantId, description: 'Seeded' })).resolves.toMatchObject({ description: 'Seeded' });
  });

  it('deletes an assistant for good from lists and runs; its executions keep their history', async () => {
    const doomed = await demo.assistants.create({ name: 'Short-lived', inputVariables, prompts });
    const { executionId } = await demo.executions.execute({ assistantId: doomed.id, input: { topic: 'mayflies' } });
    await readSubscription(demo, { executionId });
    expect(await demo.assistants.delete({ id: doomed.id })).toEqual({ id: doomed.id });
    expect((await demo.assistants.list()).items.map((assistant) => assistant.id)).not.toContain(doomed.id);
    await expect(demo.assistants.get({ id: doomed.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(demo.executions.execute({ assistantId: doomed.id, input: { topic: 'x' } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await demo.executions.get({ executionId })).toMatchObject({ assistantName: 'Short-lived', status: 'completed' });
  });
});

describe('the list of assistants', () => {
  it('is paged and carries summaries only, whatever the assistants hold', async () => {
    const big = 'x'.repeat(90_000);
    for (const name of ['Paged one', 'Paged two', 'Paged three']) {
      await demo.assistants.create({ name, inputVariables, prompts: [{ ...prompts[0]!, content: `${big} {{topic}}` }] });
    }
    const seen: number[] = [];
    let cursor: number | null = null;
    do {
      const page: Awaited<ReturnType<typeof demo.assistants.list>> = await demo.assistants.list({ limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      for (const item of page.items) {
        expect(Object.keys(item).sort()).toEqual(['createdAt', 'description', 'id', 'name', 'ownerId', 'ownerName', 'promptCount', 'version', 'visibility']);
        seen.push(item.id);
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    const all = (await demo.assistants.list({ limit: 100 })).items;
    expect(seen).toEqual(all.map((item) => item.id));
    expect(all.find((item) => item.name === 'Paged two')).toMatchObject({ promptCount: 1 });
    // The whole assistant, prompts and form included, is one `get` away.
    const two = all.find((item) => item.name === 'Paged two')!;
    expect((await demo.assistants.get({ id: two.id })).prompts[0]!.content.length).toBeGreaterThan(90_000);
  });
});
