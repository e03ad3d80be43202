import { evaluate } from 'mathjs';
import { z } from 'zod';
import type { KnowledgeSearch, SearchType } from './knowledge.ts';
import { Registry, unknownEntryMessage } from './registry.ts';

/** What a tool may know about the call it serves. */
export interface ToolContext {
  executionId: number;
  promptId: number;
  /** The repositories of the prompt that called the tool, and how it searches them. */
  repositoryIds: readonly number[];
  searchType: SearchType;
  knowledge?: KnowledgeSearch | undefined;
  signal?: AbortSignal | undefined;
}

export interface ToolDefinition<P extends Record<string, unknown> = Record<string, unknown>> {
  /** Letters, digits, `_` and `-`: the name a prompt enables and a model calls. */
  name: string;
  description: string;
  parameters: z.ZodType<P>;
  /**
   * A tool whose answer depends on when it is called (the time) or on changing data: a response
   * that used it is not cached.
   */
  volatile?: boolean;
  execute(input: P, context: ToolContext): Promise<unknown>;
}

/** Narrows `defineTool`'s parameter type from its schema. */
export function defineTool<P extends Record<string, unknown>>(tool: ToolDefinition<P>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}

export class UnknownToolError extends Error {
  constructor(
    readonly toolName: string,
    known: readonly string[],
  ) {
    super(unknownEntryMessage('tool', toolName, known));
    this.name = 'UnknownToolError';
  }
}

const TOOL_NAME = /^[A-Za-z_][\w-]{0,63}$/;

/** The tools this deployment offers; register more in code with `register(defineTool({...}))`. */
export class ToolRegistry extends Registry<ToolDefinition> {
  constructor(tools: readonly ToolDefinition[] = []) {
    super((name, known) => new UnknownToolError(name, known));
    for (const tool of tools) this.register(tool);
  }

  register(tool: ToolDefinition): void {
    if (!TOOL_NAME.test(tool.name)) throw new Error(`Tool name "${tool.name}" must be letters, digits, _ or - (at most 64)`);
    if (this.has(tool.name)) throw new Error(`A tool named "${tool.name}" is already registered`);
    this.set(tool.name, tool);
  }

  names(): string[] {
    return this.ids();
  }

  list(): Array<{ name: string; description: string }> {
    return this.values().map(({ name, description }) => ({ name, description }));
  }
}

export const calculatorTool = defineTool({
  name: 'calculator',
  description: 'Evaluates an arithmetic expression, e.g. "(3 + 4) * 2 / 7" or "sqrt(2) ^ 2". Returns the number.',
  parameters: z.object({ expression: z.string().min(1).max(500).describe('The expression to evaluate') }),
  async execute({ expression }) {
    // mathjs parses the expression itself (no JavaScript evaluation); only plain numbers come back.
    const value: unknown = evaluate(expression);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`"${expression}" does not evaluate to a finite number`);
    }
    return { expression, value };
  },
});

export const currentTimeTool = defineTool({
  name: 'current_time',
  description: 'The current date and time, in ISO 8601 and in words, optionally in an IANA time zone such as "Europe/Paris".',
  parameters: z.object({ timeZone: z.string().max(64).optional().describe('IANA time zone; UTC when absent') }),
  volatile: true,
  async execute({ timeZone }) {
    const now = new Date();
    const zone = timeZone ?? 'UTC';
    let text: string;
    try {
      text = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'long', timeZone: zone }).format(now);
    } catch {
      throw new Error(`Unknown time zone "${zone}"`);
    }
    return { iso: now.toISOString(), timeZone: zone, text };
  },
});

export const searchKnowledgeTool = defineTool({
  name: 'search_knowledge',
  description: 'Searches the knowledge repositories of this prompt and returns the most relevant passages.',
  parameters: z.object({
    query: z.string().min(1).max(1_000).describe('What to look for'),
    limit: z.number().int().min(1).max(10).optional().describe('Passages to return (default 3)'),
  }),
  volatile: true,
  async execute({ query, limit }, context) {
    if (!context.knowledge || context.repositoryIds.length === 0) {
      throw new Error('This prompt has no knowledge repositories to search');
    }
    const passages = await context.knowledge.search({
      repositoryIds: context.repositoryIds,
      query,
      searchType: context.searchType,
      limit: limit ?? 3,
      signal: context.signal,
    });
    return passages.map((passage) => ({
      document: passage.documentTitle,
      score: Number(passage.score.toFixed(3)),
      text: passage.content,
    }));
  },
});

export const builtInTools: readonly ToolDefinition[] = [calculatorTool, currentTimeTool, searchKnowledgeTool];
