import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from './client.ts';
import { defaultSchemaPath } from './migrations/index.ts';
import { expectedSchema } from './schema-check.ts';

// The schema check derives its tables from the generated client: here that list is held against
// schema.prisma itself, so a model added there is checked without anyone adding it to a list.
const schema = readFileSync(defaultSchemaPath, 'utf8');

/** Each model block of schema.prisma: its name and its table (`@@map`, else the model's name). */
function modelsInSchema(): Array<{ model: string; table: string; body: string }> {
  return [...schema.matchAll(/^model (\w+) \{\n([\s\S]*?)^\}/gm)].map(([, model, body]) => ({
    model: model!,
    table: /@@map\("([^"]+)"\)/.exec(body!)?.[1] ?? model!,
    body: body!,
  }));
}

describe('expectedSchema', () => {
  const database = createDatabase({ dataDir: 'memory://' });
  afterAll(() => database.close());

  it('names the table of every model in schema.prisma', () => {
    const expected = expectedSchema(database.prisma);
    const declared = modelsInSchema();
    expect(declared.length).toBeGreaterThan(10);
    expect(expected.map(({ model, table }) => ({ model, table })).sort((a, b) => a.model.localeCompare(b.model))).toEqual(
      declared.map(({ model, table }) => ({ model, table })).sort((a, b) => a.model.localeCompare(b.model)),
    );
  });

  it('names each model’s columns by their database names, relations left out', () => {
    const events = expectedSchema(database.prisma).find((table) => table.table === 'assistant_architect_events');
    expect(events?.columns.sort()).toEqual(['created_at', 'event_data', 'event_type', 'execution_id', 'id', 'sequence']);
    // Every `@map("column")` of the schema is among the expected columns of its table, but for
    // `Unsupported(…)` ones (a tsvector), which the client's data model does not carry.
    for (const { table, body } of modelsInSchema()) {
      const columns = expectedSchema(database.prisma).find((candidate) => candidate.table === table)?.columns ?? [];
      for (const line of body.split('\n').filter((text) => !text.includes('Unsupported('))) {
        const column = /(?<!@)@map\("([^"]+)"\)/.exec(line)?.[1];
        if (column) expect(columns, table).toContain(column);
      }
    }
  });
});
