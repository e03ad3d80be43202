import { describe, expect, it } from 'vitest';
import { exportPath } from './export.ts';

describe('exportPath', () => {
  it('puts the history filters in the query, dates as ISO', () => {
    expect(exportPath('executions', { format: 'csv', out: 'x', status: 'failed', assistant: 'Brief', from: '2026-12-01' })).toBe(
      '/api/executions.csv?status=failed&assistantName=Brief&from=2026-12-01T00%3A00%3A00.000Z',
    );
    expect(exportPath('events', { format: 'ndjson', out: 'x', type: 'prompt-complete', sort: 'tokens' })).toBe(
      '/api/events.ndjson?sort=tokens&type=prompt-complete',
    );
  });

  it("exports one execution's events by its own route", () => {
    expect(exportPath('events', { format: 'json', out: 'x', execution: '12' })).toBe('/api/executions/12/events.json');
    expect(exportPath('events', { format: 'json', out: 'x', execution: '12', type: 'progress' })).toBe('/api/executions/12/events.json?type=progress');
  });

  it('names what is wrong with a request', () => {
    expect(() => exportPath('runs', { format: 'csv', out: 'x' })).toThrow('Export "runs"? Export executions or events');
    expect(() => exportPath('executions', { format: 'csv', out: 'x', type: 'progress' })).toThrow('--type filters events');
    expect(() => exportPath('events', { format: 'csv', out: 'x', execution: '12', status: 'failed' })).toThrow('--execution takes no history filters');
    expect(() => exportPath('events', { format: 'csv', out: 'x', execution: 'twelve' })).toThrow('"twelve" is not an execution id');
    expect(() => exportPath('events', { format: 'xml', out: 'x' })).toThrow('--format "xml" is not one of ndjson, json, csv');
  });
});
