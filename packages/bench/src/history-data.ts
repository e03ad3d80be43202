/**
 * A realistic event history for benchmarks of the history pages (analytics, the executions list,
 * exports): people, knowledge repositories, assistants of one to five prompts on several models,
 * and executions spread over the last `days` days whose events follow what `runAssistant` emits
 * (payloads valid against the contract). Rows are written with plain multi-row INSERTs into the
 * product's tables, after its migrations, so every trigger on them runs as it would in production.
 */
import { formatEventId, type EventDraft, type EventType } from '@aae/events';
import type pg from 'pg';

export interface HistoryOptions {
  /** Events to write (default 1,000,000). */
  events?: number;
  /** Same seed, same rows (on a fresh database, with the same `until`). */
  seed?: number;
  /** The history covers the `days` days before `until` (default 90). */
  days?: number;
  /** When the history ends: the newest executions run at that moment (default now, to the minute). */
  until?: Date;
  /** Executions inserted per round of statements. */
  batchExecutions?: number;
  /** Vacuums and analyses the written tables at the end, as autovacuum would have (default true). */
  vacuum?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface HistorySummary {
  seed: number;
  days: number;
  from: Date;
  until: Date;
  events: number;
  executions: number;
  byStatus: Record<'completed' | 'failed' | 'running' | 'pending', number>;
  /** Failed executions that were cancelled (running, or still queued). */
  cancelled: number;
  promptResults: number;
  eventsByType: Partial<Record<EventType, number>>;
  people: number;
  admins: number;
  assistants: number;
  prompts: number;
  repositories: number;
  /** The admin who reads everything. */
  admin: { id: number; name: string; email: string };
  /** The member who ran about a tenth of the executions (and owns about a tenth of the events). */
  heavyMember: { id: number; name: string; email: string; executions: number; events: number };
  /** The assistant run most often. */
  busiestAssistant: { id: number; name: string; executions: number };
  /** How long generating and writing took, vacuum included. */
  elapsedMs: number;
}

// ---------------------------------------------------------------- randomness

type Random = () => number;

/** mulberry32: small, fast, and the same sequence for a seed on every machine. */
function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const between = (random: Random, low: number, high: number) => low + Math.floor(random() * (high - low + 1));
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function pickWeighted<T>(random: Random, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let target = random() * total;
  for (let index = 0; index < items.length; index++) {
    target -= weights[index]!;
    if (target < 0) return items[index]!;
  }
  return items[items.length - 1]!;
}

/** Log-normal around `median` (most values within ×/÷ e^spread). */
function logNormal(random: Random, median: number, spread: number): number {
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return median * Math.exp(spread * normal);
}

// ---------------------------------------------------------------- the catalogue

const FIRST_NAMES = [
  'Avery',
  'Blake',
  'Camille',
  'Dmitri',
  'Elena',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kavya',
  'Liam',
  'Mei',
  'Nadia',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sven',
  'Tariq',
  'Uma',
  'Victor',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zoe',
  'Anders',
  'Bea',
  'Chidi',
  'Dana',
  'Emeka',
  'Freya',
  'Goran',
  'Hana',
  'Ivan',
  'Jade',
  'Kofi',
  'Lena',
  'Mateo',
  'Noor',
  'Oskar',
  'Paula',
  'Rafael',
  'Sana',
  'Tomas',
  'Ulla',
  'Vera',
  'Willem',
  'Yara',
  'Zain',
];
const LAST_NAMES = [
  'Okafor',
  'Lindqvist',
  'Moreau',
  'Tanaka',
  'Haddad',
  'Fischer',
  'Kowalski',
  'Raman',
  'Silva',
  'Nguyen',
  'Byrne',
  'Costa',
  'Ivanova',
  'Mensah',
];

const MODELS = ['openai/gpt-4.1-mini', 'openai/gpt-4.1', 'ollama/llama3.2', 'ollama/qwen2.5:14b', 'vllm/mistral-small-3.1', 'local'] as const;
const MODEL_WEIGHTS = [40, 15, 15, 10, 12, 8];
/** Milliseconds before the first token, and per output token. */
const MODEL_SPEED: Record<(typeof MODELS)[number], { firstMs: number; perTokenMs: number }> = {
  'openai/gpt-4.1-mini': { firstMs: 450, perTokenMs: 9 },
  'openai/gpt-4.1': { firstMs: 700, perTokenMs: 22 },
  'ollama/llama3.2': { firstMs: 300, perTokenMs: 28 },
  'ollama/qwen2.5:14b': { firstMs: 500, perTokenMs: 35 },
  'vllm/mistral-small-3.1': { firstMs: 250, perTokenMs: 14 },
  local: { firstMs: 40, perTokenMs: 10 },
};

const REPOSITORY_NAMES = [
  'Product handbook',
  'Support macros',
  'Engineering RFCs',
  'Sales playbook',
  'Legal templates',
  'Security policies',
  'Onboarding guide',
  'Release notes',
  'Customer interviews',
  'Pricing history',
  'Incident reports',
  'Brand voice',
  'HR policies',
  'Research papers',
  'Competitor notes',
  'API reference',
  'Field notes',
  'Finance procedures',
  'Design system',
  'Marketing briefs',
];

const ASSISTANT_NAMES = [
  'Research Brief Composer',
  'Support Reply Drafter',
  'Release Notes Writer',
  'Meeting Summariser',
  'Incident Postmortem Helper',
  'Sales Email Personaliser',
  'Contract Clause Checker',
  'Job Description Writer',
  'Code Review Explainer',
  'SQL Query Helper',
  'Product Spec Reviewer',
  'Customer Interview Synthesiser',
  'Blog Post Outliner',
  'Translation Polisher',
  'Policy Q&A',
  'Onboarding Buddy',
  'Bug Report Triage',
  'Competitive Brief',
  'Pricing Calculator',
  'Executive Summary Writer',
  'Social Post Writer',
  'FAQ Builder',
  'Risk Register Assistant',
  'Grant Proposal Drafter',
  'Survey Analyst',
  'Changelog Classifier',
  'Tone Checker',
  'Field Guide Answers',
  'Travel Expense Checker',
  'Weekly Update Writer',
];

const PROMPT_NAMES = [
  ['Understand the request', 'Gather context', 'Extract facts', 'Classify'],
  ['Outline', 'Research', 'Find sources', 'Analyse'],
  ['Draft', 'Compose answer', 'Write sections', 'Calculate'],
  ['Review', 'Check facts', 'Critique', 'Verify numbers'],
  ['Polish', 'Summarise', 'Format for email', 'Final answer'],
];

const TOPICS = [
  'tidal energy',
  'the Q3 pricing change',
  'onboarding for new admins',
  'the outage on Tuesday',
  'GDPR data requests',
  'our mobile app roadmap',
  'vector search quality',
  'remote work policy',
  'the Berlin office move',
  'churn in small accounts',
  'SOC 2 evidence',
  'the partner programme',
  'invoice disputes',
  'battery recycling',
  'the new API rate limits',
  'customer health scores',
  'warehouse robots',
  'accessibility fixes',
];

const WORDS = (
  'the team should focus on clear outcomes while the data shows steady growth in usage across regions and a few risks remain around cost ' +
  'latency and support load so we recommend a phased rollout with weekly reviews measured against agreed targets customers asked for ' +
  'simpler pricing better search and faster answers several sources agree although one interview disagreed on timing next steps are listed below'
).split(' ');

const TOOLS = ['calculator', 'current_time', 'search_knowledge'] as const;
type ToolName = (typeof TOOLS)[number];

const ERRORS: Array<{ weight: number; make(prompt: CataloguePrompt): { error: string; recoverable: boolean; details?: string } }> = [
  { weight: 35, make: (prompt) => ({ error: `Prompt "${prompt.name}" timed out after 120000 ms`, recoverable: true }) },
  {
    weight: 30,
    make: (prompt) => ({
      error: `Model provider "${prompt.modelId.split('/')[0]}" failed (429) after 4 attempts: Too Many Requests`,
      recoverable: true,
      details: `POST https://${prompt.modelId.split('/')[0]}.internal/v1/chat/completions\nstatus: 429\nbody: {"error":{"message":"Rate limit reached"}}`,
    }),
  },
  {
    weight: 15,
    make: (prompt) => ({
      error: `Model provider "${prompt.modelId.split('/')[0]}" could not be reached after 4 attempts`,
      recoverable: true,
      details: 'Error: connect ECONNREFUSED',
    }),
  },
  {
    weight: 12,
    make: (prompt) => ({
      error: `Model provider "${prompt.modelId.split('/')[0]}" failed (400): context length exceeded`,
      recoverable: false,
      details: `POST https://${prompt.modelId.split('/')[0]}.internal/v1/chat/completions\nstatus: 400\nbody: {"error":{"message":"maximum context length is 32768 tokens"}}`,
    }),
  },
  { weight: 8, make: () => ({ error: 'Invalid arguments: expression: Required', recoverable: false, details: 'ExecutionFailure: Invalid arguments' }) },
];

interface CataloguePrompt {
  id: number;
  name: string;
  position: number;
  modelId: (typeof MODELS)[number];
  content: string;
  repositoryIds: number[];
  searchType: 'vector' | 'keyword' | 'hybrid';
  enabledTools: ToolName[];
  /** Names of earlier prompts whose output it inserts. */
  outputsOf: string[];
  usesInput: boolean;
}

interface CatalogueAssistant {
  id: number;
  name: string;
  ownerIndex: number | null;
  shared: boolean;
  prompts: CataloguePrompt[];
  /** How often people pick it. */
  popularity: number;
}

interface Person {
  id: number;
  name: string;
  email: string;
  admin: boolean;
  /** Share of all executions. */
  weight: number;
}

interface Catalogue {
  people: Person[];
  repositoryIds: number[];
  assistants: CatalogueAssistant[];
  /** What each person runs: shared assistants and their own. */
  usable: CatalogueAssistant[][];
  heavyIndex: number;
}

const ADMINS = 4;
const PEOPLE = 50;
/** The member who runs about a tenth of everything. */
const HEAVY_SHARE = 0.11;

async function insertReturning<T>(client: pg.ClientBase, sql: string, params: unknown[]): Promise<T[]> {
  return (await client.query(sql, params)).rows as T[];
}

/** People, repositories, assistants and prompts: a few hundred rows, ids read back by their unique names. */
async function writeCatalogue(client: pg.ClientBase, random: Random, from: Date): Promise<Catalogue> {
  const names = Array.from({ length: PEOPLE }, (_, index) => `${FIRST_NAMES[index % FIRST_NAMES.length]} ${LAST_NAMES[index % LAST_NAMES.length]}`);
  const emails = names.map((name) => `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@example.test`);
  const roles = names.map((_, index) => (index < ADMINS ? 'admin' : 'member'));
  const joined = names.map((_, index) => new Date(from.getTime() - (PEOPLE - index) * 86_400_000).toISOString());
  const userRows = await insertReturning<{ id: number; email: string }>(
    client,
    `INSERT INTO users (name, email, role, email_verified, created_at, updated_at)
     SELECT name, email, role::user_role, true, joined, joined FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS t(name, email, role, joined)
     RETURNING id, email`,
    [names, emails, roles, joined],
  );
  const userId = new Map(userRows.map((row) => [row.email, row.id]));
  // Usage is uneven: a long tail, and one member far ahead of the rest.
  const heavyIndex = ADMINS + 11;
  const tail = names.map((_, index) => (index === heavyIndex ? 0 : 1 / (1 + ((index * 7) % PEOPLE)) ** 0.6));
  const tailTotal = tail.reduce((sum, weight) => sum + weight, 0);
  const people: Person[] = names.map((name, index) => ({
    id: userId.get(emails[index]!)!,
    name,
    email: emails[index]!,
    admin: index < ADMINS,
    weight: index === heavyIndex ? HEAVY_SHARE : (tail[index]! / tailTotal) * (1 - HEAVY_SHARE),
  }));

  const repositoryRows = await insertReturning<{ id: number }>(
    client,
    `INSERT INTO knowledge_repositories (name, description, owner_id, visibility, embedding_model, created_at)
     SELECT name, 'Documents the assistants search', $2::int, 'shared', 'local-hash-384', $3::timestamptz
     FROM unnest($1::text[]) WITH ORDINALITY AS t(name, ordinal) ORDER BY ordinal
     RETURNING id`,
    [REPOSITORY_NAMES, people[0]!.id, new Date(from.getTime() - 30 * 86_400_000).toISOString()],
  );
  const repositoryIds = repositoryRows.map((row) => row.id).sort((a, b) => a - b);

  const assistants: CatalogueAssistant[] = ASSISTANT_NAMES.map((name, index) => {
    const shared = index < 12;
    return {
      id: 0,
      name,
      // Shared ones belong to admins; the others to members, a few each.
      ownerIndex: shared ? index % ADMINS : ADMINS + ((index * 13) % (PEOPLE - ADMINS)),
      shared,
      prompts: [],
      popularity: logNormal(random, 1, 0.9),
    };
  });
  // The heavy member has assistants of their own too.
  assistants[20]!.ownerIndex = heavyIndex;
  assistants[25]!.ownerIndex = heavyIndex;
  const assistantRows = await insertReturning<{ id: number; name: string }>(
    client,
    `INSERT INTO assistants (name, description, owner_id, visibility, input_variables, created_at)
     SELECT name, 'Generated for benchmarks', owner_id, visibility::visibility, $4::jsonb, $5::timestamptz
     FROM unnest($1::text[], $2::int[], $3::text[]) AS t(name, owner_id, visibility)
     RETURNING id, name`,
    [
      assistants.map((assistant) => assistant.name),
      assistants.map((assistant) => people[assistant.ownerIndex!]!.id),
      assistants.map((assistant) => (assistant.shared ? 'shared' : 'private')),
      JSON.stringify([{ name: 'topic', label: 'Topic', type: 'text', required: true }]),
      new Date(from.getTime() - 20 * 86_400_000).toISOString(),
    ],
  );
  const assistantId = new Map(assistantRows.map((row) => [row.name, row.id]));
  for (const assistant of assistants) assistant.id = assistantId.get(assistant.name)!;
  // Each at version 1, which holds its prompts.
  const versionRows = await insertReturning<{ id: number; assistant_id: number }>(
    client,
    `INSERT INTO assistant_versions (assistant_id, number, name, description, input_variables, created_by_id, created_at)
     SELECT id, 1, name, description, input_variables, owner_id, created_at FROM assistants WHERE id = ANY($1::int[])
     RETURNING id, assistant_id`,
    [assistantRows.map((row) => row.id)],
  );
  const versionId = new Map(versionRows.map((row) => [row.assistant_id, row.id]));

  for (const assistant of assistants) {
    const count = pickWeighted(random, [1, 2, 3, 4, 5], [40, 30, 17, 9, 4]);
    for (let position = 1; position <= count; position++) {
      const name = pick(random, PROMPT_NAMES[position - 1]!);
      const withKnowledge = random() < 0.3;
      const withTools = random() < 0.2;
      const earlier = assistant.prompts.map((prompt) => prompt.name);
      const outputsOf = earlier.length === 0 ? [] : random() < 0.7 ? [earlier.at(-1)!] : earlier.slice(-2);
      const usesInput = position === 1 || random() < 0.4;
      const placeholders = [...(usesInput ? ['{{topic}}'] : []), ...outputsOf.map((source) => `{{output:${source}}}`)];
      assistant.prompts.push({
        id: 0,
        name,
        position,
        modelId: pickWeighted(random, MODELS, MODEL_WEIGHTS),
        content: `${name} for ${placeholders.join(' and ')}. Be concise and cite what you used.`,
        repositoryIds: withKnowledge ? [...new Set(Array.from({ length: between(random, 1, 3) }, () => pick(random, repositoryIds)))] : [],
        searchType: pickWeighted(random, ['hybrid', 'vector', 'keyword'] as const, [60, 25, 15]),
        enabledTools: withTools ? [...new Set([pick(random, TOOLS), ...(random() < 0.4 ? [pick(random, TOOLS)] : [])])] : [],
        outputsOf,
        usesInput,
      });
    }
  }
  const prompts = assistants.flatMap((assistant) => assistant.prompts.map((prompt) => ({ assistant, prompt })));
  const promptRows = await insertReturning<{ id: number; assistant_id: number; position: number }>(
    client,
    `INSERT INTO assistant_prompts (assistant_id, name, position, model_id, content, repository_ids, search_type, enabled_tools, version_id)
     SELECT assistant_id, name, position, model_id, content, repository_ids::int[], search_type::knowledge_search_type, enabled_tools::text[], version_id
     FROM unnest($1::int[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[])
       AS t(assistant_id, name, position, model_id, content, repository_ids, search_type, enabled_tools, version_id)
     RETURNING id, assistant_id, position`,
    [
      prompts.map(({ assistant }) => assistant.id),
      prompts.map(({ prompt }) => prompt.name),
      prompts.map(({ prompt }) => prompt.position),
      prompts.map(({ prompt }) => prompt.modelId),
      prompts.map(({ prompt }) => prompt.content),
      prompts.map(({ prompt }) => `{${prompt.repositoryIds.join(',')}}`),
      prompts.map(({ prompt }) => prompt.searchType),
      prompts.map(({ prompt }) => `{${prompt.enabledTools.join(',')}}`),
      prompts.map(({ assistant }) => versionId.get(assistant.id)!),
    ],
  );
  const promptId = new Map(promptRows.map((row) => [`${row.assistant_id}:${row.position}`, row.id]));
  for (const { assistant, prompt } of prompts) prompt.id = promptId.get(`${assistant.id}:${prompt.position}`)!;
  // Short chains are run more often than long ones.
  for (const assistant of assistants) assistant.popularity /= Math.sqrt(assistant.prompts.length);

  const usable = people.map((_, index) => assistants.filter((assistant) => assistant.shared || assistant.ownerIndex === index));
  return { people, repositoryIds, assistants, usable, heavyIndex };
}

// ---------------------------------------------------------------- one execution

interface PlannedEvent {
  draft: EventDraft;
  /** Microseconds after the execution started running. */
  atUs: number;
}

interface PlannedResult {
  promptId: number;
  output: string;
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
  cached: boolean;
  atUs: number;
}

type Outcome = 'completed' | 'failed' | 'cancelled' | 'cancelled-queued' | 'running' | 'pending';

interface ExecutionPlan {
  personIndex: number;
  assistant: CatalogueAssistant;
  topic: string;
  outcome: Outcome;
  /** Queued → claimed. */
  waitMs: number;
  events: PlannedEvent[];
  results: PlannedResult[];
  /** Tokens of the prompts that completed, as the worker records them when the run ends. */
  totalTokens: number;
  error: string | null;
  /** Who cancelled it, when someone did. */
  cancelledBy: string | null;
}

function sentence(random: Random, words: number): string {
  const picked = Array.from({ length: words }, () => pick(random, WORDS));
  return `${picked.join(' ').replace(/^./, (first) => first.toUpperCase())}.`;
}

function toolCall(random: Random, tool: ToolName, topic: string): { parameters: Record<string, unknown>; result: unknown } {
  switch (tool) {
    case 'calculator': {
      const expression = `${between(random, 12, 9_800)} * ${(random() * 2).toFixed(2)}`;
      return {
        parameters: { expression },
        result: { expression, value: Number((Number(expression.split(' * ')[0]) * Number(expression.split(' * ')[1])).toFixed(4)) },
      };
    }
    case 'current_time':
      return { parameters: { timeZone: 'Europe/Berlin' }, result: { timeZone: 'Europe/Berlin' } };
    case 'search_knowledge':
      return { parameters: { query: topic, limit: 5 }, result: { passages: between(random, 0, 5) } };
  }
}

/** One prompt's events as `runPrompt` emits them, from `startUs`; the end time, and whether it failed. */
function planPrompt(
  random: Random,
  plan: ExecutionPlan,
  prompt: CataloguePrompt,
  totalPrompts: number,
  startUs: number,
  outputs: Map<string, { promptId: number; output: string }>,
  failHere: boolean,
): { endUs: number; failed: boolean } {
  let at = startUs;
  const step = (lowMs: number, highMs: number) => {
    at += Math.round((lowMs + random() * (highMs - lowMs)) * 1000) + 1;
    return at;
  };
  const emit = (draft: EventDraft) => plan.events.push({ draft, atUs: step(0.2, 3) });
  emit({
    eventType: 'prompt-start',
    eventData: {
      promptId: prompt.id,
      promptName: prompt.name,
      position: prompt.position,
      totalPrompts,
      modelId: prompt.modelId,
      hasKnowledge: prompt.repositoryIds.length > 0,
      hasTools: prompt.enabledTools.length > 0,
    },
  });
  const variables: Record<string, string> = {};
  const sourcePrompts: number[] = [];
  if (prompt.usesInput) variables.topic = plan.topic;
  for (const source of prompt.outputsOf) {
    const earlier = outputs.get(source);
    if (!earlier) continue;
    variables[`output:${source}`] = earlier.output;
    sourcePrompts.push(earlier.promptId);
  }
  if (Object.keys(variables).length > 0) emit({ eventType: 'variable-substitution', eventData: { promptId: prompt.id, variables, sourcePrompts } });
  let contextTokens = 0;
  if (prompt.repositoryIds.length > 0) {
    emit({ eventType: 'knowledge-retrieval-start', eventData: { promptId: prompt.id, repositories: prompt.repositoryIds, searchType: prompt.searchType } });
    step(20, prompt.searchType === 'keyword' ? 60 : 350);
    const documentsFound = random() < 0.08 ? 0 : between(random, 1, 5);
    contextTokens = documentsFound === 0 ? 0 : between(random, 180, 1_500);
    plan.events.push({
      draft: {
        eventType: 'knowledge-retrieved',
        eventData: {
          promptId: prompt.id,
          documentsFound,
          relevanceScore: documentsFound === 0 ? 0 : Number((0.35 + random() * 0.6).toFixed(4)),
          tokens: contextTokens,
        },
      },
      atUs: at,
    });
  }
  const speed = MODEL_SPEED[prompt.modelId];
  if (failHere) {
    step(speed.firstMs, speed.firstMs * 8);
    return { endUs: at, failed: true };
  }
  const cached = random() < 0.07;
  const outputTokens = Math.max(12, Math.min(4_000, Math.round(logNormal(random, 380, 0.6))));
  const inputTokens = between(random, 120, 900) + contextTokens + sourcePrompts.length * between(random, 200, 700);
  if (!cached && prompt.enabledTools.length > 0 && random() < 0.6) {
    const rounds = random() < 0.75 ? 1 : 2;
    for (let round = 1; round <= rounds; round++) {
      step(speed.firstMs, speed.firstMs * 3);
      const tool = pick(random, prompt.enabledTools);
      const { parameters, result } = toolCall(random, tool, plan.topic);
      emit({ eventType: 'tool-execution-start', eventData: { promptId: prompt.id, toolName: tool, parameters } });
      step(1, tool === 'search_knowledge' ? 300 : 15);
      const success = random() > 0.03;
      plan.events.push({
        draft: {
          eventType: 'tool-execution-complete',
          eventData: success
            ? { promptId: prompt.id, toolName: tool, success: true, result }
            : { promptId: prompt.id, toolName: tool, success: false, error: 'Invalid arguments: expression: Unexpected end of expression' },
        },
        atUs: at,
      });
      emit({
        eventType: 'progress',
        eventData: {
          currentStep: round,
          totalSteps: 5,
          percentage: round * 20,
          message: `Prompt "${prompt.name}": tool round ${round} of at most 5 done`,
        },
      });
    }
  }
  const generationMs = cached ? 3 + random() * 20 : speed.firstMs * (0.7 + random() * 0.8) + outputTokens * speed.perTokenMs * (0.8 + random() * 0.5);
  step(generationMs, generationMs);
  const output = sentence(random, between(random, 20, 60));
  const durationMs = Math.round((at - startUs) / 1000);
  plan.results.push({ promptId: prompt.id, output, inputTokens, outputTokens, durationMs, cached, atUs: at - 500 });
  plan.totalTokens += inputTokens + outputTokens;
  outputs.set(prompt.name, { promptId: prompt.id, output });
  emit({ eventType: 'prompt-complete', eventData: { promptId: prompt.id, outputTokens, duration: durationMs, cached } });
  return { endUs: at, failed: false };
}

/** An execution as the worker would have run it: its events, prompt results and how it ended. */
function planExecution(random: Random, catalogue: Catalogue): ExecutionPlan {
  // Ids are assigned when written: payloads carry this one until then.
  const executionId = 1;
  const personIndex = pickWeighted(
    random,
    catalogue.people.map((_, index) => index),
    catalogue.people.map((person) => person.weight),
  );
  const usable = catalogue.usable[personIndex]!;
  const assistant = pickWeighted(
    random,
    usable,
    usable.map((candidate) => candidate.popularity * (candidate.ownerIndex === personIndex && !candidate.shared ? 3 : 1)),
  );
  const roll = random();
  const outcome: Outcome = roll < 0.065 ? 'failed' : roll < 0.075 ? 'cancelled' : roll < 0.077 ? 'cancelled-queued' : 'completed';
  const plan: ExecutionPlan = {
    personIndex,
    assistant,
    topic: pick(random, TOPICS),
    outcome,
    waitMs: Math.round(logNormal(random, 120, 1)),
    events: [],
    results: [],
    totalTokens: 0,
    error: null,
    cancelledBy: null,
  };
  const canceller = () => (random() < 0.8 ? catalogue.people[personIndex]!.name : catalogue.people[between(random, 0, ADMINS - 1)]!.name);
  if (outcome === 'cancelled-queued') {
    plan.cancelledBy = canceller();
    plan.error = `Execution was cancelled by ${plan.cancelledBy}`;
    plan.events.push({ draft: { eventType: 'execution-error', eventData: { executionId, error: plan.error, recoverable: true } }, atUs: 1_000_000 });
    return plan;
  }
  const prompts = assistant.prompts;
  plan.events.push({ draft: { eventType: 'execution-start', eventData: { executionId, totalPrompts: prompts.length, toolName: assistant.name } }, atUs: 1 });
  const failAt = outcome === 'completed' ? -1 : between(random, 0, prompts.length - 1);
  const outputs = new Map<string, { promptId: number; output: string }>();
  // A few runs were interrupted (their worker stopped) and resumed elsewhere after a prompt.
  const resumeAfter = outcome === 'completed' && prompts.length > 1 && random() < 0.004 ? between(random, 0, prompts.length - 2) : -1;
  let at = 1 + between(random, 1, 4) * 1000;
  for (let index = 0; index < prompts.length; index++) {
    const prompt = prompts[index]!;
    const { endUs, failed } = planPrompt(random, plan, prompt, prompts.length, at, outputs, index === failAt);
    at = endUs;
    if (failed) {
      if (outcome === 'cancelled') {
        plan.cancelledBy = canceller();
        plan.error = `Execution was cancelled by ${plan.cancelledBy}`;
        plan.events.push({
          draft: { eventType: 'execution-error', eventData: { executionId, error: plan.error, recoverable: true, promptId: prompt.id } },
          atUs: at + 900,
        });
      } else {
        const failure = pickWeighted(
          random,
          ERRORS,
          ERRORS.map((entry) => entry.weight),
        ).make(prompt);
        plan.error = failure.error;
        plan.events.push({ draft: { eventType: 'execution-error', eventData: { executionId, promptId: prompt.id, ...failure } }, atUs: at + 700 });
      }
      return plan;
    }
    if (index === resumeAfter) {
      at += between(random, 5_000, 60_000) * 1000;
      const done = index + 1;
      plan.events.push({
        draft: {
          eventType: 'progress',
          eventData: {
            currentStep: done,
            totalSteps: prompts.length,
            percentage: Math.round((done / prompts.length) * 100),
            message: `Resumed on worker ${between(random, 0x10000000, 0x7fffffff).toString(16)} after its previous worker stopped (attempt 2 of at most 3): ${done} of ${prompts.length} prompt(s) already complete, going on from there`,
          },
        },
        atUs: at,
      });
    }
    at += between(random, 1, 5) * 1000;
  }
  plan.events.push({
    draft: { eventType: 'execution-complete', eventData: { executionId, totalTokens: plan.totalTokens, duration: Math.round(at / 1000), success: true } },
    atUs: at,
  });
  return plan;
}

/**
 * The executions, in the order they were queued, until exactly `events` events: the newest few
 * still running (a prefix of their events, no terminal one), then a few still queued (none).
 */
function* planHistory(seed: number, catalogue: Catalogue, events: number): Generator<ExecutionPlan> {
  const random = createRandom(seed ^ 0x5eed);
  const runningAtEnd = Math.min(6, Math.max(1, Math.floor(events / 2_000)));
  // More than any one execution has, so the loop below never overshoots.
  const reserve = 80 + runningAtEnd * 10;
  let left = events;
  while (left > reserve) {
    const plan = planExecution(random, catalogue);
    left -= plan.events.length;
    yield plan;
  }
  const finished: ExecutionPlan[] = [];
  const running: ExecutionPlan[] = [];
  while (left > 0) {
    const plan = planExecution(random, catalogue);
    if (plan.outcome !== 'cancelled-queued' && (running.length < runningAtEnd || plan.events.length > left)) {
      const share = running.length < runningAtEnd - 1 ? Math.ceil(left / (runningAtEnd - running.length)) : left;
      const kept = plan.events.slice(0, Math.max(1, Math.min(share, plan.events.length - 1)));
      const completedPrompts = kept.filter((event) => event.draft.eventType === 'prompt-complete').length;
      left -= kept.length;
      running.push({
        ...plan,
        outcome: 'running',
        events: kept,
        results: plan.results.slice(0, completedPrompts),
        totalTokens: 0,
        error: null,
        cancelledBy: null,
      });
    } else if (plan.events.length <= left) {
      left -= plan.events.length;
      finished.push(plan);
    }
  }
  yield* finished;
  yield* running;
  for (let queued = 0; queued < Math.min(3, runningAtEnd); queued++) {
    yield { ...planExecution(random, catalogue), outcome: 'pending', events: [], results: [], totalTokens: 0, error: null, cancelledBy: null };
  }
}

// ---------------------------------------------------------------- when executions were queued

/** Relative rate per hour of the day (UTC): office hours, a lunch dip, a quiet night. */
const HOURLY = [2, 1.5, 1, 1, 1.5, 3, 6, 10, 14, 16, 15, 12, 10, 14, 16, 15, 13, 10, 7, 5, 4, 3.5, 3, 2.5];

/**
 * `count` queue times between `from` and `until`, oldest first: weekdays busier than weekends,
 * office hours busier than nights, usage growing over the period, and noise from day to day.
 */
function queueTimes(random: Random, count: number, from: Date, until: Date): number[] {
  const hours = Math.floor((until.getTime() - from.getTime()) / 3_600_000);
  const weights: number[] = [];
  let dayNoise = 1;
  for (let hour = 0; hour < hours; hour++) {
    const at = new Date(from.getTime() + hour * 3_600_000);
    if (at.getUTCHours() === 0 || hour === 0) dayNoise = 0.75 + random() * 0.5;
    const weekday = at.getUTCDay() === 0 || at.getUTCDay() === 6 ? 0.3 : 1;
    const growth = 0.7 + (0.6 * hour) / hours;
    weights.push(HOURLY[at.getUTCHours()]! * weekday * growth * dayNoise);
  }
  const cumulative: number[] = [];
  let total = 0;
  for (const weight of weights) {
    total += weight;
    cumulative.push(total);
  }
  const times: number[] = [];
  let hour = 0;
  for (let index = 0; index < count; index++) {
    // Evenly spaced quantiles, jittered: sorted by construction, no sort of 100k values needed.
    const target = ((index + random()) / count) * total;
    while (hour < hours - 1 && cumulative[hour]! < target) hour++;
    const before = hour === 0 ? 0 : cumulative[hour - 1]!;
    const within = weights[hour]! > 0 ? (target - before) / weights[hour]! : random();
    times.push(from.getTime() + (hour + Math.min(0.999_999, Math.max(0, within))) * 3_600_000);
  }
  return times;
}

// ---------------------------------------------------------------- writing

/** A time with all six fractional digits, from microseconds since the epoch. */
function microsecondsText(us: number): string {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, -1)}${String(us - ms * 1000).padStart(3, '0')}Z`;
}

const WORKER_IDS = ['3f9c1e2a-worker-a', '8b41d7c0-worker-b', 'c2e95a14-worker-c'];

class Batch {
  readonly executions = {
    id: [] as number[],
    assistantId: [] as number[],
    userId: [] as number[],
    status: [] as string[],
    input: [] as string[],
    totalTokens: [] as number[],
    error: [] as Array<string | null>,
    createdAt: [] as string[],
    startedAt: [] as Array<string | null>,
    finishedAt: [] as Array<string | null>,
    workerId: [] as Array<string | null>,
    heartbeatAt: [] as Array<string | null>,
    cancelRequestedAt: [] as Array<string | null>,
    cancelRequestedBy: [] as Array<string | null>,
    orphanedAt: [] as Array<string | null>,
    attempts: [] as number[],
    claims: [] as number[],
  };
  readonly events = { executionId: [] as number[], sequence: [] as number[], type: [] as string[], data: [] as string[], createdAt: [] as string[] };
  readonly results = {
    executionId: [] as number[],
    promptId: [] as number[],
    output: [] as string[],
    inputTokens: [] as number[],
    outputTokens: [] as number[],
    durationMs: [] as number[],
    cached: [] as boolean[],
    createdAt: [] as string[],
  };
  size = 0;

  add(plan: ExecutionPlan, id: number, userId: number, queuedMs: number, until: number): void {
    // The executions table keeps milliseconds.
    const queuedUs = Math.round(queuedMs) * 1000;
    const startedUs = queuedUs + plan.waitMs * 1000;
    const last = plan.events.at(-1);
    const endUs = startedUs + (last?.atUs ?? 0);
    const closedInQueue = plan.outcome === 'cancelled-queued';
    const unstarted = plan.outcome === 'pending' || closedInQueue;
    const finished = plan.outcome !== 'running' && plan.outcome !== 'pending';
    const interrupted = plan.events.some((event) => event.draft.eventType === 'progress' && event.draft.eventData.message.startsWith('Resumed'));
    const e = this.executions;
    e.id.push(id);
    e.assistantId.push(plan.assistant.id);
    e.userId.push(userId);
    e.status.push(plan.outcome === 'completed' ? 'completed' : plan.outcome === 'running' || plan.outcome === 'pending' ? plan.outcome : 'failed');
    e.input.push(JSON.stringify({ topic: plan.topic }));
    e.totalTokens.push(plan.totalTokens);
    e.error.push(plan.error);
    e.createdAt.push(microsecondsText(queuedUs));
    e.startedAt.push(unstarted ? null : microsecondsText(startedUs));
    e.finishedAt.push(finished ? microsecondsText((closedInQueue ? queuedUs + 1_000_000 : endUs) + 2_000) : null);
    e.workerId.push(unstarted ? null : WORKER_IDS[id % WORKER_IDS.length]!);
    e.heartbeatAt.push(unstarted ? null : microsecondsText(Math.min(until * 1000, finished ? endUs : endUs + 1_500_000)));
    const cancelled = plan.cancelledBy !== null;
    e.cancelRequestedAt.push(cancelled ? microsecondsText((closedInQueue ? queuedUs + 1_000_000 : endUs) - 800) : null);
    e.cancelRequestedBy.push(plan.cancelledBy);
    e.orphanedAt.push(closedInQueue ? microsecondsText(queuedUs + 1_002_000) : null);
    e.attempts.push(unstarted ? 0 : interrupted ? 2 : 1);
    e.claims.push(closedInQueue ? 1 : unstarted ? 0 : interrupted ? 3 : 1);

    const base = closedInQueue ? queuedUs : startedUs;
    plan.events.forEach((event, index) => {
      const sequence = index + 1;
      const createdUs = base + event.atUs;
      const eventData: Record<string, unknown> = { ...event.draft.eventData };
      if ('executionId' in eventData) eventData.executionId = id;
      eventData.timestamp = new Date(Math.floor(createdUs / 1000)).toISOString();
      eventData.eventId = formatEventId(id, sequence);
      this.events.executionId.push(id);
      this.events.sequence.push(sequence);
      this.events.type.push(event.draft.eventType);
      this.events.data.push(JSON.stringify(eventData));
      this.events.createdAt.push(microsecondsText(createdUs));
    });
    for (const result of plan.results) {
      const r = this.results;
      r.executionId.push(id);
      r.promptId.push(result.promptId);
      r.output.push(result.output);
      r.inputTokens.push(result.inputTokens);
      r.outputTokens.push(result.outputTokens);
      r.durationMs.push(result.durationMs);
      r.cached.push(result.cached);
      r.createdAt.push(microsecondsText(startedUs + result.atUs));
    }
    this.size++;
  }

  async write(client: pg.ClientBase): Promise<void> {
    const e = this.executions;
    await client.query(
      `INSERT INTO executions (id, assistant_id, user_id, status, input, total_tokens, error, created_at, started_at, finished_at,
                               worker_id, heartbeat_at, cancel_requested_at, cancel_requested_by, orphaned_at, attempts, claims)
       SELECT id, assistant_id, user_id, status::execution_status, input::jsonb, total_tokens, error, created_at, started_at, finished_at,
              worker_id, heartbeat_at, cancel_requested_at, cancel_requested_by, orphaned_at, attempts, claims
       FROM unnest($1::int[], $2::int[], $3::int[], $4::text[], $5::text[], $6::int[], $7::text[], $8::timestamptz[], $9::timestamptz[],
                   $10::timestamptz[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::text[], $15::timestamptz[], $16::int[], $17::int[])
         AS t(id, assistant_id, user_id, status, input, total_tokens, error, created_at, started_at, finished_at,
              worker_id, heartbeat_at, cancel_requested_at, cancel_requested_by, orphaned_at, attempts, claims)`,
      [
        e.id,
        e.assistantId,
        e.userId,
        e.status,
        e.input,
        e.totalTokens,
        e.error,
        e.createdAt,
        e.startedAt,
        e.finishedAt,
        e.workerId,
        e.heartbeatAt,
        e.cancelRequestedAt,
        e.cancelRequestedBy,
        e.orphanedAt,
        e.attempts,
        e.claims,
      ],
    );
    const v = this.events;
    if (v.sequence.length > 0) {
      await client.query(
        `INSERT INTO assistant_architect_events (execution_id, sequence, event_type, event_data, created_at)
         SELECT execution_id, sequence, event_type::assistant_event_type, event_data::jsonb, created_at
         FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::timestamptz[]) AS t(execution_id, sequence, event_type, event_data, created_at)`,
        [v.executionId, v.sequence, v.type, v.data, v.createdAt],
      );
    }
    const r = this.results;
    if (r.promptId.length > 0) {
      await client.query(
        `INSERT INTO prompt_results (execution_id, prompt_id, output, input_tokens, output_tokens, duration_ms, cached, created_at)
         SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::int[], $5::int[], $6::int[], $7::boolean[], $8::timestamptz[])`,
        [r.executionId, r.promptId, r.output, r.inputTokens, r.outputTokens, r.durationMs, r.cached, r.createdAt],
      );
    }
  }
}

/**
 * Fills a migrated PostgreSQL database (through `client`) with a history of `events` events and
 * everything they belong to. Meant for an empty database: it adds to whatever is there.
 */
export async function generateHistory(client: pg.ClientBase, options: HistoryOptions = {}): Promise<HistorySummary> {
  const started = performance.now();
  const target = options.events ?? 1_000_000;
  const seed = options.seed ?? 1;
  const days = options.days ?? 90;
  const until = options.until ?? new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const from = new Date(until.getTime() - days * 86_400_000);
  const batchExecutions = options.batchExecutions ?? 2_000;
  const log = options.log ?? (() => {});
  if (!Number.isInteger(target) || target < 100) throw new Error(`events must be a whole number of at least 100, got ${target}`);

  const catalogue = await writeCatalogue(client, createRandom(seed), from);
  // First pass: how many executions make `target` events (the plans are regenerated, identically, when written).
  let executionCount = 0;
  let tail = 0;
  for (const plan of planHistory(seed, catalogue, target)) {
    executionCount++;
    if (plan.outcome === 'running' || plan.outcome === 'pending') tail++;
  }
  const timeRandom = createRandom(seed ^ 0x7135);
  // Finished executions end at least ten minutes before `until`; the running and queued ones are the newest.
  const times = queueTimes(timeRandom, executionCount - tail, from, new Date(until.getTime() - 10 * 60_000));
  for (let index = 0; index < tail; index++) times.push(until.getTime() - (tail - index) * 45_000 - 30_000);
  const { rows: idRows } = await client.query<{ id: number }>(
    `SELECT nextval(pg_get_serial_sequence('executions', 'id'))::int AS id FROM generate_series(1, $1)`,
    [executionCount],
  );
  const ids = idRows.map((row) => row.id);
  log(`[history] ${executionCount.toLocaleString('en')} executions planned in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const summary: HistorySummary = {
    seed,
    days,
    from,
    until,
    events: 0,
    executions: 0,
    byStatus: { completed: 0, failed: 0, running: 0, pending: 0 },
    cancelled: 0,
    promptResults: 0,
    eventsByType: {},
    people: catalogue.people.length,
    admins: catalogue.people.filter((person) => person.admin).length,
    assistants: catalogue.assistants.length,
    prompts: catalogue.assistants.reduce((sum, assistant) => sum + assistant.prompts.length, 0),
    repositories: catalogue.repositoryIds.length,
    admin: { id: catalogue.people[0]!.id, name: catalogue.people[0]!.name, email: catalogue.people[0]!.email },
    heavyMember: { ...pickPerson(catalogue.people[catalogue.heavyIndex]!), executions: 0, events: 0 },
    busiestAssistant: { id: 0, name: '', executions: 0 },
    elapsedMs: 0,
  };
  const perAssistant = new Map<CatalogueAssistant, number>();
  let batch = new Batch();
  let index = 0;
  let writingMs = 0;
  const write = async (full: Batch) => {
    const before = performance.now();
    await full.write(client);
    writingMs += performance.now() - before;
  };
  for (const plan of planHistory(seed, catalogue, target)) {
    const person = catalogue.people[plan.personIndex]!;
    batch.add(plan, ids[index]!, person.id, times[index]!, until.getTime());
    index++;
    summary.executions++;
    summary.events += plan.events.length;
    const status = plan.outcome === 'completed' || plan.outcome === 'running' || plan.outcome === 'pending' ? plan.outcome : 'failed';
    summary.byStatus[status]++;
    if (plan.cancelledBy !== null) summary.cancelled++;
    summary.promptResults += plan.results.length;
    for (const event of plan.events) summary.eventsByType[event.draft.eventType] = (summary.eventsByType[event.draft.eventType] ?? 0) + 1;
    if (plan.personIndex === catalogue.heavyIndex) {
      summary.heavyMember.executions++;
      summary.heavyMember.events += plan.events.length;
    }
    perAssistant.set(plan.assistant, (perAssistant.get(plan.assistant) ?? 0) + 1);
    if (batch.size >= batchExecutions) {
      await write(batch);
      batch = new Batch();
      if (index % (batchExecutions * 10) === 0) log(`[history] ${summary.events.toLocaleString('en')} events written`);
    }
  }
  if (batch.size > 0) await write(batch);
  const [busiest, runs] = [...perAssistant.entries()].reduce((top, entry) => (entry[1] > top[1] ? entry : top));
  summary.busiestAssistant = { id: busiest.id, name: busiest.name, executions: runs };
  if (options.vacuum !== false) {
    await client.query('VACUUM (ANALYZE) executions, assistant_architect_events, prompt_results, users, assistants, assistant_prompts, knowledge_repositories');
  }
  summary.elapsedMs = performance.now() - started;
  log(
    `[history] ${summary.events.toLocaleString('en')} events in ${(summary.elapsedMs / 1000).toFixed(1)} s (${(writingMs / 1000).toFixed(1)} s of it in INSERTs)`,
  );
  return summary;
}

function pickPerson(person: Person): { id: number; name: string; email: string } {
  return { id: person.id, name: person.name, email: person.email };
}
