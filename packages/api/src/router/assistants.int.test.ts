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
    expect((await demo.assistants.list()).map((assistant) => assistant.id)).toContain(mine.id);
    expect((await admin.assistants.list()).map((assistant) => assistant.id)).toContain(mine.id);
    expect((await other.assistants.list()).map((assistant) => assistant.id)).not.toContain(mine.id);

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
    expect((await demo.assistants.list()).map((assistant) => assistant.id)).not.toContain(doomed.id);
    await expect(demo.assistants.get({ id: doomed.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(demo.executions.execute({ assistantId: doomed.id, input: { topic: 'x' } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await demo.executions.get({ executionId })).toMatchObject({ assistantName: 'Short-lived', status: 'completed' });
  });
});
