import type { AssistantRepository, NewAssistant } from '@aae/db';

export const DEMO_ASSISTANT: NewAssistant = {
  name: 'Research Brief Writer',
  description: 'Outlines a topic, drafts a brief from the outline, then writes a one-paragraph summary.',
  ownerId: null,
  visibility: 'shared',
  inputVariables: [
    { name: 'topic', label: 'Topic', type: 'text', required: true, description: 'What the brief is about' },
    { name: 'audience', label: 'Audience', type: 'text', required: false, description: 'Who will read it' },
  ],
  prompts: [
    {
      name: 'Outline',
      position: 1,
      modelId: 'local',
      content: 'List the key questions a brief about {{topic}} should answer for {{audience}}.',
    },
    {
      name: 'Draft',
      position: 2,
      modelId: 'local',
      content: 'Write a short brief about {{topic}} that answers these questions: {{output:Outline}}',
    },
    {
      name: 'Summary',
      position: 3,
      modelId: 'local',
      content: 'Summarise this brief in one paragraph for {{audience}}: {{output:Draft}}',
    },
  ],
};

/**
 * On an empty database, seeds the demo assistant, shared with everyone and owned by nobody (no
 * account is ever seeded); says whether the database was empty (a first start).
 */
export async function seedDemo(repos: { assistants: AssistantRepository }): Promise<{ firstStart: boolean }> {
  if ((await repos.assistants.count()) > 0) return { firstStart: false };
  await repos.assistants.create(DEMO_ASSISTANT);
  return { firstStart: true };
}
