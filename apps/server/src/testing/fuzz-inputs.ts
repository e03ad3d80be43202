import fc from 'fast-check';
import { z } from 'zod';
import { ABSENT, Annotated, RawJson, withField, type Wire } from './fuzz-wire.ts';

/** The JSON Schema zod writes for a procedure's input: the parts the fuzz reads. */
export interface InputSchema {
  type?: string | string[];
  properties?: Record<string, InputSchema>;
  required?: string[];
  additionalProperties?: InputSchema | boolean;
  items?: InputSchema;
  anyOf?: InputSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
}

/** What `z.toJSONSchema` cannot say: this field is a `z.date()`. */
const DATE_FORMAT = 'x-date';

/** Text the server must never show; the fuzz never sends it, so an answer holding it did not echo it. */
export const LEAKS: ReadonlyArray<readonly [string, RegExp]> = [
  ['a stack trace', / {4}at /],
  ['an absolute path', /\/work\/|\/tmp\/|node_modules/],
  ['Prisma text', /prisma/i],
  ['SQL text', /Invalid `|SELECT |violates|syntax error/],
];

/** Ids from 1 to here may name the fixtures the fuzz relies on: never sent where an id goes. */
export const PROTECTED_IDS_BELOW = 1_000_000;

/** `count` values of `arbitrary`, the same for the same seed. */
const sampled = <T>(arbitrary: fc.Arbitrary<T>, seed: number, count: number): T[] => (count > 0 ? fc.sample(arbitrary, { seed, numRuns: count }) : []);

/** The input schema of a procedure (its `.input()` parsers merged), or null when it takes none. */
export function inputSchemaOf(parsers: readonly unknown[]): InputSchema | null {
  const schemas = parsers.filter((parser): parser is z.ZodType => parser !== null && typeof parser === 'object' && '_zod' in parser);
  if (schemas.length === 0) return null;
  const json = schemas.map(
    (schema) =>
      z.toJSONSchema(schema, {
        io: 'input',
        unrepresentable: 'any',
        override: (ctx) => {
          if (ctx.zodSchema._zod.def.type === 'date') ctx.jsonSchema.format = DATE_FORMAT;
        },
      }) as InputSchema,
  );
  if (json.length === 1) return json[0]!;
  return {
    type: 'object',
    properties: Object.assign({}, ...json.map((schema) => schema.properties)),
    required: json.flatMap((schema) => schema.required ?? []),
  };
}

const isNullSchema = (schema: InputSchema) => schema.type === 'null';
const typeOf = (schema: InputSchema) => (Array.isArray(schema.type) ? schema.type.find((type) => type !== 'null') : schema.type);
/** The schema without its `| null`. */
export const nonNull = (schema: InputSchema): InputSchema => schema.anyOf?.find((option) => !isNullSchema(option)) ?? schema;

export interface SampleHints {
  /** A valid id for an integer field of this name, e.g. an execution every caller may read. */
  ids: Readonly<Record<string, number>>;
  /** Valid entries for a record field of this name, e.g. the input variables of that execution's assistant. */
  records?: Readonly<Record<string, Record<string, string>>>;
  seed: number;
}

/** A valid input for `schema`: required fields and those with defaults, ids from `hints`, dates in order (`from` before `to`). */
export function validSample(schema: InputSchema, hints: SampleHints): unknown {
  let dates = 0;
  const sample = (node: InputSchema, key: string): unknown => {
    if (node.anyOf) return node.anyOf.some(isNullSchema) ? null : sample(node.anyOf[0]!, key);
    if (Array.isArray(node.type) && node.type.includes('null')) return null;
    if (node.const !== undefined) return node.const;
    if (node.enum) return node.enum[0];
    if (node.format === DATE_FORMAT) return new Date(Date.UTC(2020, 0, 1 + dates++));
    const type = typeOf(node);
    // An empty default list of objects would leave their fields unfuzzed: one item instead.
    const emptyObjectList = type === 'array' && Array.isArray(node.default) && node.default.length === 0 && node.items?.type === 'object';
    if (node.default !== undefined && type !== 'object' && !emptyObjectList) return structuredClone(node.default);
    switch (type) {
      case 'object': {
        if (!node.properties && hints.records?.[key]) return { ...hints.records[key] };
        const value: Record<string, unknown> = {};
        for (const [name, property] of Object.entries(node.properties ?? {})) {
          if (node.required?.includes(name) || property.default !== undefined) value[name] = sample(property, name);
        }
        return value;
      }
      case 'array': {
        const count = Math.min(Math.max(node.minItems ?? 0, 1), node.maxItems ?? 1);
        return Array.from({ length: count }, () => sample(node.items ?? {}, key));
      }
      case 'integer':
      case 'number': {
        const low = node.exclusiveMinimum !== undefined ? node.exclusiveMinimum + 1 : (node.minimum ?? 1);
        const id = hints.ids[key];
        if (id !== undefined && id >= low && id <= (node.maximum ?? Infinity)) return id;
        return Math.min(Math.max(low, 1), node.maximum ?? Infinity);
      }
      case 'boolean':
        return false;
      case 'string': {
        if (key === 'email' || node.format === 'email') return `fuzz-${hints.seed}@example.test`;
        if (node.pattern) return fc.sample(fc.stringMatching(new RegExp(node.pattern)), { seed: hints.seed, numRuns: 1 })[0];
        const text = 'fuzz value'.padEnd(node.minLength ?? 0, 'x');
        return node.maxLength !== undefined ? text.slice(0, node.maxLength) : text;
      }
      default:
        return 'fuzz value';
    }
  };
  return sample(schema, '');
}

/** One field of an input: where it is, the name an error about it must say, and its schema. */
export interface FieldPath {
  path: Array<string | number>;
  name: string;
  schema: InputSchema;
  /** A key of a record (such as an execution's input values): the key itself is fuzzed. */
  recordKey?: boolean;
}

/** Every field of `schema`, optional ones too, and those of the first item of each list of objects in `base`. */
export function fieldPaths(schema: InputSchema, base: unknown): FieldPath[] {
  const fields: FieldPath[] = [];
  const visit = (node: InputSchema, value: unknown, path: Array<string | number>) => {
    for (const [name, property] of Object.entries(node.properties ?? {})) {
      const inner = nonNull(property);
      const at = [...path, name];
      fields.push({ path: at, name, schema: inner });
      const current = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
      if (typeOf(inner) === 'object' && inner.properties) visit(inner, current, at);
      if (typeOf(inner) === 'object' && !inner.properties && inner.additionalProperties) {
        fields.push({ path: at, name, schema: inner, recordKey: true });
      }
      if (typeOf(inner) === 'array' && inner.items?.properties && Array.isArray(current) && current.length > 0) {
        visit(inner.items, current[0], [...at, 0]);
      }
    }
  };
  visit(nonNull(schema), base, []);
  return fields;
}

const longString = (length: number) => 'x'.repeat(length);
const nested = (depth: number, open: string, leaf: string, close: string) => new RawJson(`${open.repeat(depth)}${leaf}${close.repeat(depth)}`);

/** Text that reads as a number to something: out of range, not finite, or not one at all. */
export const NUMBER_TEXTS = ['0', '-1', '2147483648', '99999999999999999999999', '1e400', 'NaN'];

const NASTY_NUMBERS = [0, -0, -1, 0.5, 1.5, -2_147_483_648, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, -1e308, 5e-324];
const NASTY_STRINGS = [
  '',
  ' ',
  '\t\n',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\udbff\udbff',
  '\ufeff',
  '\u202eevil',
  'e\u0301'.repeat(50),
  '😀'.repeat(101),
  ...NUMBER_TEXTS,
  'null',
  '__proto__',
  'constructor',
  '{{topic}}',
  '{{output:Nowhere}}',
  "'; DROP TABLE executions; --",
  '=HYPERLINK("http://example.test")',
  '<img src=x onerror=alert(1)>',
  '%00',
  '../../../etc/passwd',
  longString(201),
  longString(5_001),
  longString(100_001),
];
/** Dates a JavaScript Date holds but PostgreSQL may not (before 4713 BC, after 9999), and strings that are no date. */
const NASTY_DATES = [
  '-004714-11-23T23:59:59.999Z',
  '-004714-11-24T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z',
  '0000-01-01T00:00:00.000Z',
  '+010000-01-01T00:00:00.000Z',
  '+275760-09-13T00:00:00.000Z',
  '+275760-09-13T00:00:00.001Z',
  '1970-01-01T00:00:00.000Z',
  'not a date',
  '',
].map((iso) => new Annotated(iso, ['Date']));
/** Annotations superjson revives into values a schema may not expect, or fails to revive. */
const NASTY_ANNOTATED = [
  new Annotated('NaN', ['number']),
  new Annotated('Infinity', ['number']),
  new Annotated('-Infinity', ['number']),
  new Annotated('123', ['bigint']),
  new Annotated('not a number', ['bigint']),
  new Annotated(undefined, ['undefined']),
  new Annotated('/a+$/', ['regexp']),
  new Annotated([['a', 1]], ['map']),
  new Annotated([1, 1], ['set']),
  new Annotated('x', ['symbol', 'x']),
  new Annotated({ name: 'x' }, ['class', 'Evil']),
  new Annotated('x', ['custom', 'nope']),
];

/** Not an id the fixtures might have: a hostile value may not delete or disable them by chance. */
const sparesFixtures = (value: unknown) => !(typeof value === 'number' && Number.isInteger(value) && value >= 1 && value < PROTECTED_IDS_BELOW);
/** Contains nothing an answer must not: were it echoed, it would pass for a leak. */
const leakFree = (value: unknown) => {
  const text = JSON.stringify(value instanceof Annotated ? value.json : value instanceof RawJson ? value.text : value) ?? '';
  return !LEAKS.some(([, pattern]) => pattern.test(text));
};

/** Anything at all: arbitrary JSON, numbers past every limit, NUL, lone surrogates, long and deep values, odd annotations. */
export const hostileValue: fc.Arbitrary<unknown> = fc
  .oneof(
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }) },
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_NUMBERS) },
    { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 1, arbitrary: fc.integer({ min: PROTECTED_IDS_BELOW, max: 2 ** 31 - 1 }) },
    { weight: 1, arbitrary: fc.double() },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('\u0000', '\ud800', '\udc00'))
        .map(([text, bad]) => `${text}${bad}${text}`),
    },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_DATES) },
    { weight: 1, arbitrary: fc.date({ noInvalidDate: true }) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_ANNOTATED) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        nested(200, '[', '', ']'),
        nested(20_000, '[', '', ']'),
        nested(20_000, '{"a":', '1', '}'),
        new RawJson(`[${'1,'.repeat(50_000)}1]`),
      ),
    },
  )
  .filter((value) => sparesFixtures(value) && leakFree(value));

/** Values at and just past the limits of one field's schema, and of the wrong kind. */
function boundaryValues(schema: InputSchema, sample: unknown): fc.Arbitrary<unknown> {
  const values: unknown[] = [null, true, [], {}, 'fuzz'];
  const type = typeOf(schema);
  if (schema.enum) values.push('not-an-option', `${String(schema.enum[0])} `, String(schema.enum[0]).toUpperCase());
  if (schema.format === DATE_FORMAT) values.push(...NASTY_DATES, '2020-01-01', 0);
  if (type === 'integer' || type === 'number') {
    const { minimum, maximum, exclusiveMinimum } = schema;
    for (const limit of [minimum, maximum, exclusiveMinimum]) if (limit !== undefined) values.push(limit - 1, limit + 1, limit + 0.5);
    values.push(-1, 0, 2 ** 31, 2 ** 53 + 2, '7', ...NASTY_ANNOTATED.slice(0, 5));
  }
  if (type === 'string') {
    const { minLength, maxLength } = schema;
    if (maxLength !== undefined) values.push(longString(maxLength + 1), `${longString(Math.max(maxLength - 1, 0))}\u0000`);
    if (minLength !== undefined && minLength > 1) values.push(longString(minLength - 1));
    values.push('', '   ', '\u0000', 'ok\u0000', '\ud800', 'ok\udc00', 7, new Annotated('2020-01-01T00:00:00.000Z', ['Date']));
  }
  if (type === 'boolean') values.push('true', 1, 0);
  if (type === 'array') {
    const item = Array.isArray(sample) ? sample[0] : 'fuzz';
    values.push('not a list', [null], [[]], nested(20_000, '[', '', ']'));
    if (schema.maxItems !== undefined) values.push(Array.from({ length: schema.maxItems + 1 }, () => item));
    if (schema.minItems !== undefined && schema.minItems > 0) values.push([]);
  }
  return fc.constantFrom(...values.filter((value) => sparesFixtures(value) && leakFree(value)));
}

/** A record's keys nobody expects. */
const RECORD_KEYS = ['', '__proto__', 'constructor', 'toString', '\u0000', 'a\u0000b', '\ud800', longString(10_000), 'a.b', '{{topic}}'];

/** Superjson metas that ask for what an input never needs: classes, references, deep trees, wrong shapes. */
function hostileMetas(key: string): unknown[] {
  const at = (annotation: unknown) => ({ values: { [key]: annotation } });
  return [
    at(['class', 'Evil']),
    at(['custom', 'nope']),
    at(['map']),
    at(['set']),
    at(['regexp']),
    at(['symbol', 'x']),
    at(['bigint']),
    at(['Error']),
    at(['URL']),
    at('Date'),
    at([]),
    at(null),
    at(['Date', { nested: ['Date'] }]),
    { values: { 'nowhere.deep.path': ['Date'] } },
    { values: { '__proto__.polluted': ['Date'] } },
    { values: { 'constructor.prototype.polluted': ['Date'] } },
    { values: ['map', { [key]: ['Date'] }] },
    { values: nested(10_000, '{"a":', '["Date"]', '}') },
    { values: nested(10_000, '["map",{"a":', '["Date"]', '}]') },
    { values: Object.fromEntries(Array.from({ length: 20_000 }, (_, index) => [`k${index}`, ['Date']])) },
    { referentialEqualities: { [key]: ['nowhere'] } },
    { referentialEqualities: [key, ['a.b.c']] },
    { values: 5 },
    { values: [] },
    { v: 99 },
    'meta',
    5,
    [],
    null,
    true,
  ];
}

export type FuzzInputKind = 'base' | 'near-valid' | 'hostile' | 'meta';

export interface FuzzInput {
  kind: FuzzInputKind;
  wire: Wire;
  /** For a near-valid input: the one field changed, which an error about it must name. */
  field?: string;
}

export interface PlanSize {
  /** Near-valid inputs per field (each changes that field only)… */
  perField: number;
  /** …and at least this many in all, for an input of few fields. */
  nearValid: number;
  /** Hostile inputs: arbitrary JSON, and the input's keys holding hostile values. */
  hostile: number;
  /** Valid `json` with a hostile `meta`. */
  meta: number;
  /** Also the essential values of each field (see `essentialValues`). */
  essentials?: boolean;
}

/**
 * Values every field of its kind gets, whatever the seed: what PostgreSQL cannot store (NUL, a lone
 * surrogate, a date before 4713 BC, the year 0, an integer past 32 bits) and a list one past its limit.
 */
function essentialValues(schema: InputSchema, sample: unknown): unknown[] {
  const type = typeOf(schema);
  if (schema.format === DATE_FORMAT)
    return ['-004714-11-23T23:59:59.999Z', '0000-01-01T00:00:00.000Z', '+010000-01-01T00:00:00.000Z'].map((iso) => new Annotated(iso, ['Date']));
  if (schema.enum) return [];
  if (type === 'string') return ['ok\u0000', 'ok\ud800'];
  if (type === 'integer' || type === 'number') return [2 ** 31];
  if (type === 'array' && schema.maxItems !== undefined)
    return [Array.from({ length: schema.maxItems + 1 }, () => (Array.isArray(sample) ? sample[0] : 'fuzz'))];
  return [];
}

/**
 * Near-valid inputs: `base` with one field replaced by an essential value, a value at or past its
 * limits, a hostile value, or removed; for a record, with an entry added or changed.
 */
function nearValidInputs(schema: InputSchema, base: unknown, size: { perField: number; essentials: boolean }, seed: number): FuzzInput[][] {
  return fieldPaths(schema, base).map((field, index) => {
    const current = field.path.reduce<unknown>((value, key) => (value as Record<string | number, unknown> | undefined)?.[key], base);
    const input = (json: unknown) => ({ kind: 'near-valid' as const, field: field.name, wire: { json } });
    if (field.recordKey) {
      // The keys the record has (hostile values where valid ones go), and keys nobody expects.
      const known = Object.keys((current ?? {}) as Record<string, unknown>);
      const keys = known.length > 0 ? fc.oneof(fc.constantFrom(...known), fc.constantFrom(...RECORD_KEYS)) : fc.constantFrom(...RECORD_KEYS);
      const essentials = size.essentials
        ? [
            ...known.flatMap((key) => [
              [key, 'ok\u0000'],
              [key, 'ok\ud800'],
            ]),
            ['ok\u0000', 'fuzz'],
          ]
        : [];
      const entries = [...essentials, ...sampled(fc.tuple(keys, fc.oneof(fc.constant('fuzz'), hostileValue)), seed + index, size.perField)];
      return entries.map(([key, value]) => input(withField(base, [...field.path, key as string], value)));
    }
    const replacement = fc.oneof(
      { weight: 3, arbitrary: boundaryValues(field.schema, current) },
      { weight: 2, arbitrary: hostileValue },
      { weight: 1, arbitrary: fc.constant(ABSENT) },
    );
    const values = [...(size.essentials ? essentialValues(field.schema, current) : []), ...sampled(replacement, seed + index, size.perField)];
    return values.map((value) => input(withField(base, field.path, value)));
  });
}

/** Hostile inputs: arbitrary JSON, then the input's own keys (and an unknown one) holding hostile values. */
function hostileInputs(schema: InputSchema | null, base: unknown, count: number, seed: number): FuzzInput[] {
  const keys = [...Object.keys(nonNull(schema ?? {}).properties ?? {}), 'fuzzExtra'];
  const shaped = fc.dictionary(fc.constantFrom(...keys), hostileValue, { maxKeys: keys.length });
  const anything = fc.oneof(
    fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }).filter((value) => sparesFixtures(value) && leakFree(value)),
    hostileValue,
  );
  const extra = fc.tuple(fc.constantFrom('fuzzExtra', '__proto__', 'constructor'), hostileValue).map(([key, value]) => withField(base, [key], value));
  const arbitrary = fc.oneof({ weight: 2, arbitrary: anything }, { weight: 3, arbitrary: shaped }, { weight: 1, arbitrary: extra });
  return sampled(arbitrary, seed, count).map((json) => ({ kind: 'hostile' as const, wire: { json } }));
}

/** What to send to one procedure: its valid base input first, then near-valid, hostile and meta inputs interleaved. */
export function inputPlan(schema: InputSchema | null, hints: SampleHints, size: PlanSize): FuzzInput[] {
  const base = schema ? validSample(schema, hints) : undefined;
  const fields = schema ? fieldPaths(schema, base).length : 0;
  const perFieldCount = fields > 0 ? Math.max(size.perField, Math.ceil(size.nearValid / fields)) : 0;
  const perField = schema ? nearValidInputs(schema, base, { perField: perFieldCount, essentials: size.essentials ?? false }, hints.seed) : [];
  const longest = Math.max(0, ...perField.map((field) => field.length));
  const nearValid = Array.from({ length: longest }, (_, round) => perField.flatMap((field) => (round < field.length ? [field[round]!] : []))).flat();
  const hostile = hostileInputs(schema, base, size.hostile, hints.seed + 1_000);
  const key = Object.keys(nonNull(schema ?? {}).properties ?? {})[0] ?? 'input';
  const metas = sampled(fc.constantFrom(...hostileMetas(key)), hints.seed + 2_000, size.meta);
  const meta = metas.map((value) => ({ kind: 'meta' as const, wire: { json: base ?? {}, meta: value } }));
  const plan: FuzzInput[] = [{ kind: 'base', wire: { json: base } }];
  const lists: FuzzInput[][] = [nearValid, hostile, meta];
  for (let index = 0; lists.some((list) => index < list.length); index++) {
    for (const list of lists) if (index < list.length) plan.push(list[index]!);
  }
  return plan;
}
