import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing/test-app.ts';

/** The refusal a call ended with, as the client sees it. */
async function refusal(call: Promise<unknown>) {
  const error = await call.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof Error && 'data' in error)) throw new Error(`expected a tRPC refusal, got ${String(error)}`);
  return error as Error & { data: { code: string; fieldIssues: Array<{ path: Array<string | number>; message: string }> | null } };
}

describe('refusals name the fields at fault (data.fieldIssues)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.stop());

  const prompt = (name: string, position: number, content: string, extra: Record<string, unknown> = {}) => ({ name, position, content, ...extra });

  it('gives each schema problem by its whole path, template references included', async () => {
    const error = await refusal(
      app.client('demo').assistants.create.mutate({
        name: 'Shape',
        inputVariables: [{ name: 'topic', label: 'Topic' }],
        prompts: [prompt('First', 1, 'About {{topic}}'), prompt('Second', 2, 'Using {{output:Frist}} and {{tone}}')],
      }),
    );
    expect(error.data.code).toBe('BAD_REQUEST');
    expect(error.data.fieldIssues).toEqual([
      { path: ['prompts', 1, 'content'], message: 'uses {{output:Frist}}, but no prompt has that name' },
      { path: ['prompts', 1, 'content'], message: 'uses {{tone}}, which is not a declared input variable' },
    ]);
    expect(error.message).toContain('prompts.1.content: uses {{output:Frist}}');

    const limits = await refusal(
      app.client('demo').assistants.create.mutate({ name: 'Shape', prompts: [prompt('Only', 1, 'Hi', { timeoutMs: 500, maxOutputTokens: 0 })] }),
    );
    expect(limits.data.fieldIssues).toEqual([
      { path: ['prompts', 0, 'timeoutMs'], message: 'timeout must be at least 1 second (1000 ms)' },
      { path: ['prompts', 0, 'maxOutputTokens'], message: 'output limit must be at least 1 token' },
    ]);
  });

  it('names the field of a check made after the schema: an unknown model, tool or repository', async () => {
    const model = await refusal(app.client('demo').assistants.create.mutate({ name: 'Shape', prompts: [prompt('Only', 1, 'Hi', { modelId: 'nope' })] }));
    expect(model.data.fieldIssues).toEqual([{ path: ['prompts', 0, 'modelId'], message: expect.stringContaining('uses unknown model "nope"') }]);
    const tool = await refusal(
      app.client('demo').assistants.create.mutate({ name: 'Shape', prompts: [prompt('Only', 1, 'Hi'), prompt('Next', 2, 'Hi', { enabledTools: ['nope'] })] }),
    );
    expect(tool.data.fieldIssues).toEqual([{ path: ['prompts', 1, 'enabledTools'], message: expect.stringContaining('enables unknown tool "nope"') }]);
    const repository = await refusal(
      app.client('demo').assistants.create.mutate({ name: 'Shape', prompts: [prompt('Only', 1, 'Hi', { repositoryIds: [987_654] })] }),
    );
    expect(repository.data.fieldIssues).toEqual([{ path: ['prompts', 0, 'repositoryIds'], message: expect.stringContaining('987654, which does not exist') }]);
  });

  it('has none for a refusal about no field', async () => {
    const missing = await refusal(app.client('demo').assistants.delete.mutate({ id: 987_654 }));
    expect(missing.data).toMatchObject({ code: 'NOT_FOUND', fieldIssues: null });
  });
});
