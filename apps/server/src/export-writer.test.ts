import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExportedEvent } from '@aae/db';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_SHAPE, EXECUTION_SHAPE, writeExport } from './export-writer.ts';

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A server whose every request is answered by `handler`; resolves to its URL. */
async function serve(handler: (res: ServerResponse) => Promise<void>): Promise<string> {
  const server = createServer((_req, res) => void handler(res).catch(() => {}));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function* each<T>(items: T[]) {
  yield* items;
}

const event = (id: number, eventType: ExportedEvent['eventType'], eventData: { eventId: string; [field: string]: unknown }): ExportedEvent => ({
  id,
  executionId: 7,
  sequence: id,
  eventType,
  createdAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
  eventId: eventData.eventId,
  eventDataJson: JSON.stringify(eventData),
  position: 1,
});

const events = [event(1, 'execution-start', { eventId: 'evt_7_000001', note: 'a, "quoted" one' }), event(2, 'execution-complete', { eventId: 'evt_7_000002' })];

describe('writeExport', () => {
  it('writes NDJSON, JSON and CSV byte for byte, with the download headers', async () => {
    const url = await serve(async (res) => {
      const format = res.req.url === '/csv' ? 'csv' : res.req.url === '/json' ? 'json' : 'ndjson';
      await writeExport(res, format, `events.${format}`, EVENT_SHAPE, each(events));
    });
    const records = events.map(({ id, executionId, sequence, eventType, eventDataJson }) =>
      JSON.stringify({ id, executionId, sequence, eventType, createdAt: '2026-01-02T03:04:05.000Z', eventData: JSON.parse(eventDataJson) }),
    );

    const ndjson = await fetch(`${url}ndjson`);
    expect(ndjson.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(ndjson.headers.get('content-disposition')).toBe('attachment; filename="events.ndjson"');
    expect(ndjson.headers.get('cache-control')).toBe('no-store');
    expect(await ndjson.text()).toBe(`${records[0]}\n${records[1]}\n`);
    expect(await (await fetch(`${url}json`)).text()).toBe(`[\n${records[0]},\n${records[1]}\n]\n`);
    expect(await (await fetch(`${url}csv`)).text()).toBe(
      'id,execution_id,sequence,event_type,created_at,event_id,event_data\n' +
        '1,7,1,execution-start,2026-01-02T03:04:05.000Z,evt_7_000001,"{""eventId"":""evt_7_000001"",""note"":""a, \\""quoted\\"" one""}"\n' +
        '2,7,2,execution-complete,2026-01-02T03:04:05.000Z,evt_7_000002,"{""eventId"":""evt_7_000002""}"\n',
    );
  });

  it('writes an empty export as an empty array, and as CSV with its header only', async () => {
    const url = await serve(async (res) => {
      const format = res.req.url === '/csv' ? 'csv' : 'json';
      await writeExport(res, format, `executions.${format}`, EXECUTION_SHAPE, each([]));
    });
    expect(await (await fetch(`${url}json`)).text()).toBe('[\n]\n');
    expect(await (await fetch(`${url}csv`)).text()).toBe('id,assistant,user,status,created_at,started_at,finished_at,duration_ms,total_tokens,error,input\n');
  });

  it('stops reading the source when the client goes away mid-download', async () => {
    let read = 0;
    let stopped = false;
    async function* endless() {
      try {
        for (;;) yield event(++read, 'progress', { eventId: `evt_7_${read}`, text: 'x'.repeat(1_000) });
      } finally {
        stopped = true;
      }
    }
    let outcome: Promise<unknown> = Promise.resolve();
    const url = await serve((res) => {
      outcome = writeExport(res, 'ndjson', 'events.ndjson', EVENT_SHAPE, endless()).then(
        () => 'finished',
        (error: unknown) => error,
      );
      return outcome.then(() => {});
    });
    await new Promise<void>((resolve) => {
      const client = request(url, (res) => {
        res.once('data', () => {
          client.destroy();
          resolve();
        });
      });
      // The reset the client causes by going away.
      client.on('error', () => {});
      client.end();
    });
    await expect.poll(() => stopped).toBe(true);
    await expect(outcome).resolves.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });
});
