import { EXECUTION_SORTS } from '@aae/events';
import fc from 'fast-check';
import { EXPORT_FORMATS, EXPORT_ROUTES } from '../export-routes.ts';
import { NUMBER_TEXTS, PROTECTED_IDS_BELOW } from './fuzz-inputs.ts';

type ExportRoute = keyof typeof EXPORT_ROUTES;

export interface ExportCase {
  route: ExportRoute;
  url: string;
  caller: string;
  headers: Record<string, string>;
  /** The one query parameter a near-valid URL changed. */
  field?: string;
}

/** Valid query parameters of each export route (values as they appear in a URL). */
const VALID_PARAMS: Record<ExportRoute, Record<string, string>> = {
  executionEvents: { type: 'execution-start' },
  executions: { assistantName: 'Fuzz', status: 'completed', from: '2020-01-01', to: '2100-01-01', sort: EXECUTION_SORTS[0], order: 'asc' },
  events: {
    assistantName: 'Fuzz',
    status: 'completed',
    from: '2020-01-01',
    to: '2100-01-01',
    eventType: 'execution-start',
    order: 'desc',
    type: 'prompt-complete',
  },
};

/** Parameter values, already URL-encoded: NUL, bad UTF-8 (a lone surrogate cannot be encoded otherwise), dates PostgreSQL cannot hold, numbers past every limit. */
const HOSTILE_PARAM_VALUES = [
  '',
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%C0%80',
  '%FF%FE',
  '%uD800',
  '%',
  `${'x'.repeat(201)}`,
  `${'x'.repeat(12_000)}`,
  '-004714-11-23',
  '-004714-11-24T00%3A00%3A00Z',
  '-271821-04-20',
  '0000-01-01',
  '%2B010000-01-01',
  '275760-09-13',
  '275760-09-14',
  ...NUMBER_TEXTS,
  'not%20a%20date',
  '2020-02-30',
  'COMPLETED',
  '__proto__',
  '%3DHYPERLINK(%22x%22)',
  '%0D%0A',
  '%22%3B%27',
  '%5B%5D',
];

/** What every parameter gets, whatever the seed (from the first caller, in the first format): NUL, bad UTF-8, dates PostgreSQL cannot hold. */
const ESSENTIAL_PARAM_VALUES = ['a%00b', '%ED%A0%80', '-004714-11-23', '0000-01-01', '%2B010000-01-01'];

/** Ids in an execution's URL: zeros, padding, past the database's integers, past JavaScript's. */
const HOSTILE_IDS = [
  '0',
  '00000001',
  '2147483647',
  '2147483648',
  '4294967296',
  '9007199254740993',
  '99999999999999999999999',
  '1'.repeat(400),
  String(PROTECTED_IDS_BELOW + 7),
];

const query = (params: Record<string, string>) =>
  Object.entries(params)
    .map(([key, value]) => `${key}=${value}`)
    .join('&');

function pathOf(route: ExportRoute, format: string, executionId: string): string {
  switch (route) {
    case 'executionEvents':
      return `/api/executions/${executionId}/events.${format}`;
    case 'executions':
      return `/api/executions.${format}`;
    case 'events':
      return `/api/events.${format}`;
  }
}

/** A value for an export parameter, URL-encoded: a listed hostile one, or arbitrary text or a date. */
const paramValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_PARAM_VALUES) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((date) => encodeURIComponent(date.toISOString())) },
);

/**
 * For every export route and format: the valid URL, then near-valid ones (one parameter changed,
 * removed, repeated, or an unknown one added; the execution id changed), for each caller. They
 * come round-robin across routes, formats and callers, so a cut leaves every one covered.
 */
export function exportPlan(options: { seed: number; executionId: number; callers: Array<{ name: string; headers: Record<string, string> }> }): ExportCase[] {
  const lists: ExportCase[][] = [];
  (Object.keys(EXPORT_ROUTES) as ExportRoute[]).forEach((route, routeIndex) => {
    const valid = VALID_PARAMS[route];
    const names = [...Object.keys(valid), 'token', 'unknownFilter'];
    const how = fc.constantFrom('replace', 'replace', 'replace', 'repeat', 'remove');
    const mutations = fc.sample(fc.tuple(fc.constantFrom(...names), paramValue, how), { seed: options.seed + routeIndex, numRuns: 16 });
    for (const format of EXPORT_FORMATS) {
      for (const caller of options.callers) {
        const at = (params: Record<string, string>, id = String(options.executionId)) => `${pathOf(route, format, id)}?${query(params)}`;
        const list: ExportCase[] = [{ route, url: at(valid), caller: caller.name, headers: caller.headers }];
        if (format === EXPORT_FORMATS[0] && caller === options.callers[0]) {
          for (const name of Object.keys(valid)) {
            list.push(
              ...ESSENTIAL_PARAM_VALUES.map((value) => ({
                route,
                url: at({ ...valid, [name]: value }),
                caller: caller.name,
                headers: caller.headers,
                field: name,
              })),
            );
          }
        }
        for (const [name, value, change] of mutations) {
          const params = { ...valid };
          if (change === 'remove') delete params[name];
          else params[name] = value;
          const url = change === 'repeat' ? `${at(params)}&${name}=${value}` : at(params);
          list.push({ route, url, caller: caller.name, headers: caller.headers, field: change === 'remove' ? undefined : name });
        }
        if (route === 'executionEvents') list.push(...HOSTILE_IDS.map((id) => ({ route, url: at(valid, id), caller: caller.name, headers: caller.headers })));
        lists.push(list);
      }
    }
  });
  const longest = Math.max(...lists.map((list) => list.length));
  return Array.from({ length: longest }, (_, index) => lists.flatMap((list) => (index < list.length ? [list[index]!] : []))).flat();
}

export interface TransportCase {
  name: string;
  request(headers: Record<string, string>): { path: string; init: RequestInit };
}

const json = { 'content-type': 'application/json' };
const post =
  (path: string, body: string | Uint8Array, extra: Record<string, string> = json) =>
  (headers: Record<string, string>) => ({
    path,
    init: { method: 'POST', headers: { ...headers, ...extra }, body },
  });
const get =
  (path: string, extra: Record<string, string> = {}) =>
  (headers: Record<string, string>) => ({ path, init: { headers: { ...headers, ...extra } } });
const input = (value: string) => `?input=${value}`;

/**
 * Requests that are wrong before any input is read: bodies that are not JSON or not UTF-8, the
 * crafted superjson body that once overflowed the stack, methods and paths that do not exist,
 * batches far past any client's. None of them may write anything.
 */
export const TRANSPORT_CASES: TransportCase[] = [
  { name: 'mutation without a content type', request: post('/trpc/assistants.create', '{"json":{}}', {}) },
  { name: 'mutation as text/plain', request: post('/trpc/assistants.create', '{"json":{}}', { 'content-type': 'text/plain' }) },
  { name: 'mutation as UTF-16', request: post('/trpc/assistants.create', '{"json":{}}', { 'content-type': 'application/json; charset=utf-16' }) },
  ...['', '{', '{"json":', 'null', '[]', '"x"', '5', '\u0000', '{"json":{}}garbage', '\ufeff{"json":{}}'].map((body) => ({
    name: `mutation with the body ${JSON.stringify(body)}`,
    request: post('/trpc/assistants.create', body),
  })),
  {
    name: 'mutation whose body is not UTF-8',
    request: post(
      '/trpc/knowledge.repositories.create',
      new Uint8Array([0x7b, 0x22, 0x6a, 0x73, 0x6f, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
    ),
  },
  { name: 'the crafted superjson body', request: post('/trpc/assistants.create', '{"json":{"name":{}},"meta":{"values":{"name":["class","Evil"]}}}') },
  { name: 'a body of 200,000 nested lists', request: post('/trpc/assistants.create', `{"json":${'['.repeat(200_000)}${']'.repeat(200_000)}}`) },
  { name: 'an unterminated body of 2 MB of brackets', request: post('/trpc/assistants.create', '['.repeat(2_000_000)) },
  {
    name: 'a body of 9 MB',
    request: post('/trpc/knowledge.repositories.create', JSON.stringify({ json: { name: 'big', description: 'x'.repeat(9_000_000) } })),
  },
  ...['%', '%E0%A4%A', '{', '', 'null', '%7B%22json%22%3A', '1'.repeat(20_000)].map((value) => ({
    name: `query with ?input=${value.slice(0, 20)}`,
    request: get(`/trpc/assistants.get${input(value)}`),
  })),
  { name: 'query with two inputs', request: get('/trpc/assistants.get?input=%7B%7D&input=%7B%7D') },
  { name: 'query answered as a stream', request: get('/trpc/assistants.list', { accept: 'text/event-stream' }) },
  { name: 'query asking for JSONL without a batch', request: get('/trpc/assistants.list', { 'trpc-accept': 'application/jsonl' }) },
  { name: 'a batch of 500 queries', request: get(`/trpc/${Array(500).fill('assistants.list').join(',')}?batch=1`) },
  {
    name: 'a batch of 200 refused mutations',
    request: post(
      `/trpc/${Array(200).fill('assistants.create').join(',')}?batch=1`,
      JSON.stringify(Object.fromEntries(Array.from({ length: 200 }, (_, index) => [index, { json: { name: '' } }]))),
    ),
  },
  { name: 'a batch whose inputs are not an object', request: get('/trpc/assistants.list,assistants.list?batch=1&input=%5B1%2C2%5D') },
  { name: 'a batch mixing queries and mutations', request: post('/trpc/assistants.list,assistants.create?batch=1', '{"0":{},"1":{"json":{}}}') },
  ...['PUT', 'DELETE', 'PATCH', 'OPTIONS'].map((method) => ({
    name: `${method} on a query`,
    request: (headers: Record<string, string>) => ({ path: '/trpc/assistants.list', init: { method, headers } }),
  })),
  { name: 'GET on a mutation', request: get('/trpc/assistants.create?input=%7B%22json%22%3A%7B%7D%7D') },
  { name: 'POST on a subscription', request: post('/trpc/events.onAnyEvent', '{"json":{}}') },
  ...[
    '/trpc/',
    '/trpc/%00',
    '/trpc/%ED%A0%80',
    '/trpc/assistants',
    '/trpc/__proto__',
    '/trpc/constructor',
    '/trpc/assistants.list/extra',
    '/trpc/..%2F..%2Fetc%2Fpasswd',
    `/trpc/${'a.'.repeat(3_000)}b`,
  ].map((path) => ({ name: `the path ${path.slice(0, 40)}`, request: get(path) })),
  {
    name: 'a subscription with hostile connection params',
    request: get('/trpc/events.onAnyEvent?connectionParams=1&input=%7B%7D&token=%00', { accept: 'text/event-stream' }),
  },
  { name: 'a long bearer token', request: get('/trpc/users.me', { authorization: `Bearer ${'x'.repeat(8_000)}` }) },
  { name: 'a bearer token that is not one', request: get('/trpc/users.me', { authorization: 'Bearer a.b.c' }) },
  { name: 'a garbled cookie', request: get('/trpc/users.me', { cookie: `${'a'.repeat(100)}=%ED%A0%80; =; ;;` }) },
];
