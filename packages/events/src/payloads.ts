import { z } from 'zod';

/** Fields the recorder stamps on every event; the engine never sets them. */
const stamp = {
  timestamp: z.iso.datetime(),
  eventId: z.string().min(1),
};

const count = z.number().int().nonnegative();
const milliseconds = z.number().nonnegative();

export const executionStartSchema = z.object({
  executionId: z.number().int().positive(),
  totalPrompts: count,
  toolName: z.string(),
  ...stamp,
});

export const executionCompleteSchema = z.object({
  executionId: z.number().int().positive(),
  totalTokens: count,
  duration: milliseconds,
  success: z.literal(true),
  ...stamp,
});

export const executionErrorSchema = z.object({
  executionId: z.number().int().positive(),
  error: z.string(),
  promptId: z.number().int().positive().optional(),
  recoverable: z.boolean(),
  details: z.string().optional(),
  ...stamp,
});

export const promptStartSchema = z.object({
  promptId: z.number().int().positive(),
  promptName: z.string(),
  position: z.number().int().positive(),
  totalPrompts: count,
  modelId: z.string(),
  hasKnowledge: z.boolean(),
  hasTools: z.boolean(),
  ...stamp,
});

export const promptCompleteSchema = z.object({
  promptId: z.number().int().positive(),
  outputTokens: count,
  duration: milliseconds,
  cached: z.boolean(),
  ...stamp,
});

/** How a prompt searches its repositories (the seed's `searchType`). */
export const SEARCH_TYPES = ['vector', 'keyword', 'hybrid'] as const;
export const searchTypeSchema = z.enum(SEARCH_TYPES);
export type SearchType = z.infer<typeof searchTypeSchema>;

/** Where an execution stands, as stored. */
export const EXECUTION_STATUSES = ['pending', 'running', 'completed', 'failed'] as const;
export const executionStatusSchema = z.enum(EXECUTION_STATUSES);
export type ExecutionStatus = z.infer<typeof executionStatusSchema>;

/** The orders an execution list can be sorted by (ties broken by id). */
export const EXECUTION_SORTS = ['createdAt', 'duration', 'tokens'] as const;
export type ExecutionSort = (typeof EXECUTION_SORTS)[number];

export const knowledgeRetrievalStartSchema = z.object({
  promptId: z.number().int().positive(),
  repositories: z.array(z.number().int()),
  searchType: searchTypeSchema,
  ...stamp,
});

export const knowledgeRetrievedSchema = z.object({
  promptId: z.number().int().positive(),
  documentsFound: count,
  relevanceScore: z.number().min(0).max(1),
  tokens: count,
  ...stamp,
});

export const variableSubstitutionSchema = z.object({
  promptId: z.number().int().positive(),
  variables: z.record(z.string(), z.string()),
  sourcePrompts: z.array(z.number().int().positive()),
  ...stamp,
});

export const toolExecutionStartSchema = z.object({
  promptId: z.number().int().positive(),
  toolName: z.string(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  ...stamp,
});

export const toolExecutionCompleteSchema = z.object({
  promptId: z.number().int().positive(),
  toolName: z.string(),
  success: z.boolean(),
  result: z.unknown().optional(),
  error: z.string().optional(),
  ...stamp,
});

export const progressSchema = z.object({
  currentStep: count,
  totalSteps: count,
  percentage: z.number().min(0).max(100),
  message: z.string(),
  ...stamp,
});
