import fc from 'fast-check';
import type { DialectId } from '../../../src/edge/errors/dialect-registry';

/**
 * Malformed requests derived from an OpenAPI operation (issue 8): each request is a plausible request
 * for the operation with at least one defect the service must refuse with a 4xx. Nothing here knows a
 * route: generators come from the operation's parameters and request-body schema, so a route added
 * tomorrow is covered the day it appears in /docs-json (and the suite fails if its shape is unknown).
 */

/* ------------------------------------------------------------------ OpenAPI shapes */

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
}

interface Parameter { name: string; in: 'path' | 'query' | 'header' | 'cookie'; required?: boolean; schema?: Schema }

export interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> }; security?: Array<Record<string, string[]>> }>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface Operation {
  method: string;
  /** OpenAPI template, e.g. /accounts/{id}/users. */
  path: string;
  pathParams: Parameter[];
  queryParams: Parameter[];
  body?: { contentType: 'application/json' | 'application/x-www-form-urlencoded'; schema: Schema };
  auth: 'api-key' | 'bearer' | 'none';
}

const SUPPORTED_BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded'] as const;

/** Every operation of the document; throws for one this module cannot generate requests for. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [path, byMethod] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(byMethod)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params = op.parameters ?? [];
      const unknownParam = params.find((p) => p.in !== 'path' && p.in !== 'query' && p.in !== 'header');
      if (unknownParam) throw new Error(`no generator for ${method.toUpperCase()} ${path}: parameter in ${unknownParam.in}`);
      let body: Operation['body'];
      if (op.requestBody) {
        const types = Object.keys(op.requestBody.content);
        const type = SUPPORTED_BODY_TYPES.find((t) => types.includes(t));
        if (!type) throw new Error(`no generator for ${method.toUpperCase()} ${path}: request body ${types.join(', ')}`);
        body = { contentType: type, schema: resolve(doc, op.requestBody.content[type].schema) };
      }
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
      const auth = schemes.includes('api-key') ? 'api-key' : schemes.includes('bearer') ? 'bearer' : 'none';
      ops.push({
        method: method.toUpperCase(), path, body, auth,
        pathParams: params.filter((p) => p.in === 'path').map((p) => ({ ...p, schema: p.schema && resolve(doc, p.schema) })),
        queryParams: params.filter((p) => p.in === 'query').map((p) => ({ ...p, schema: p.schema && resolve(doc, p.schema) })),
      });
    }
  }
  return ops;
}

/** Inlines $ref and allOf (one level of composition is all Nest's plugin emits). */
function resolve(doc: OpenApiDocument, schema: Schema, seen = new Set<string>()): Schema {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    if (seen.has(name)) return { type: 'object' };
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`unresolvable ${schema.$ref}`);
    return resolve(doc, target, new Set([...seen, name]));
  }
  if (schema.allOf?.length) return schema.allOf.map((s) => resolve(doc, s, seen)).reduce((a, b) => ({ ...a, ...b, properties: { ...a.properties, ...b.properties }, required: [...(a.required ?? []), ...(b.required ?? [])] }), {});
  const out: Schema = { ...schema };
  if (schema.oneOf?.length || schema.anyOf?.length) Object.assign(out, resolve(doc, (schema.oneOf ?? schema.anyOf)![0], seen));
  if (schema.items) out.items = resolve(doc, schema.items, seen);
  if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, resolve(doc, v, seen)]));
  return out;
}

/* ------------------------------------------------------------------ valid-looking values */

const UUID = () => fc.uuid({ version: 4 });
/** Printable ASCII text of min..max characters (cheap to generate: a number in base 36, padded). */
const cleanText = (min = 1, max = 24) => fc.nat().map((n) => `v${n.toString(36)}`.padEnd(Math.max(min, 1), 'x').slice(0, Math.max(max, 1)));

/** A value that satisfies the schema (or comes close: the mutations, not this, make a request bad). */
export function validValue(schema: Schema): fc.Arbitrary<unknown> {
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string':
      if (schema.format === 'email') return fc.nat(1_000_000).map((n) => `fuzz.${n}@example.com`);
      if (schema.format === 'uuid') return UUID();
      return cleanText(schema.minLength ?? 1, Math.max(schema.minLength ?? 1, Math.min(schema.maxLength ?? 24, 24)));
    case 'integer':
    case 'number':
      return fc.integer({ min: schema.minimum ?? 8, max: Math.max(schema.minimum ?? 8, Math.min(schema.maximum ?? 64, 64)) });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return schema.items?.enum ? fc.subarray(schema.items.enum) : fc.array(validValue(schema.items ?? { type: 'string' }), { maxLength: 3 });
    case 'object':
    default: {
      const props = Object.entries(schema.properties ?? {});
      const required = new Set(schema.required ?? []);
      const model = Object.fromEntries(props.map(([k, s]) => [k, validValue(s)]));
      return fc.record(model, { requiredKeys: props.map(([k]) => k).filter((k) => required.has(k)) });
    }
  }
}

/* ------------------------------------------------------------------ defects */

/** Where a defect goes in a JSON value: the n-th candidate (modulo the count), so it shrinks well. */
type Pick = number;

export type Defect =
  | { kind: 'ill-formed-text'; at: Pick; surrogate: string }
  | { kind: 'nul-in-text'; at: Pick; prefix: string }
  | { kind: 'ill-formed-key'; at: Pick; surrogate: string }
  | { kind: 'too-deep'; at: Pick; levels: number; container: 'array' | 'object' }
  | { kind: 'prototype-key'; at: Pick; name: string }
  | { kind: 'unknown-key'; at: Pick; name: string }
  | { kind: 'wrong-type'; at: Pick; value: unknown }
  | { kind: 'missing-required'; at: Pick }
  | { kind: 'too-long'; at: Pick }
  | { kind: 'not-in-enum'; at: Pick; value: string };

/** Transport-level defects, for every route. */
export type RawDefect =
  | { kind: 'bad-path-param'; raw: string }
  | { kind: 'nul-in-query'; key: string; value: string }
  | { kind: 'unreadable-media-type'; contentType: string; text: string }
  | { kind: 'not-json'; text: string }
  | { kind: 'non-object-json'; text: string }
  | { kind: 'bad-credentials'; value: string };

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);
const LONE_SURROGATES = fc.oneof(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff })).map((c) => String.fromCharCode(c));
// A new [] / {} per request: fc.constant would hand out one shared instance, into which later defects of the
// request write (an ill-formed key, a prototype key…), so every later request would carry that junk instead.
const EMPTY_ARRAY = fc.constant(null).map(() => []);
const EMPTY_OBJECT = fc.constant(null).map(() => ({}));
// Finite numbers only: JSON.stringify writes Infinity as null, which is no wrong type for an optional field (the
// service reads null as absent), so an "email": Infinity request was a well-formed D4 reset with a wrong code.
const WRONG_TYPE_VALUES: fc.Arbitrary<unknown> = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), EMPTY_ARRAY, EMPTY_OBJECT, fc.array(fc.string(), { minLength: 1, maxLength: 2 }));

/** A path segment that is not a usable id on any route: NUL, broken escapes, encoded surrogates, junk. */
export const badPathParam: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('%00', 'a%00', '%ED%A0%80', '%ED%BF%BF', '%E0%A4%A', '%C0%80', '%FF', '%', '%zz'),
  fc.uuid({ version: 4 }).map((u) => `${u}%00`),
  fc.string({ minLength: 1, maxLength: 40 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))).filter((s) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s) && s !== '' && s !== '.' && s !== '..'),
);

function defectArb(hasRequired: boolean): fc.Arbitrary<Defect> {
  const at = fc.nat(1000);
  const options: Array<fc.Arbitrary<Defect>> = [
    fc.record({ kind: fc.constant('ill-formed-text' as const), at, surrogate: LONE_SURROGATES }),
    fc.record({ kind: fc.constant('nul-in-text' as const), at, prefix: fc.string({ maxLength: 4 }) }),
    fc.record({ kind: fc.constant('ill-formed-key' as const), at, surrogate: LONE_SURROGATES }),
    fc.record({ kind: fc.constant('too-deep' as const), at, levels: fc.integer({ min: 33, max: 3000 }), container: fc.constantFrom('array' as const, 'object' as const) }),
    fc.record({ kind: fc.constant('prototype-key' as const), at, name: fc.constantFrom(...PROTOTYPE_NAMES) }),
    fc.record({ kind: fc.constant('unknown-key' as const), at, name: fc.stringMatching(/^[a-z][a-zA-Z_]{0,11}$/).map((s) => `x_${s}`) }),
    fc.record({ kind: fc.constant('wrong-type' as const), at, value: WRONG_TYPE_VALUES }),
    fc.record({ kind: fc.constant('too-long' as const), at }),
    fc.record({ kind: fc.constant('not-in-enum' as const), at, value: fc.constantFrom('root', 'ADMIN', '', 'lower ') }),
  ];
  if (hasRequired) options.push(fc.record({ kind: fc.constant('missing-required' as const), at }));
  return fc.oneof(...options);
}

/* ------------------------------------------------------------------ applying defects to a body */

interface Slot {
  /** The object or array that holds the value. */
  holder: Record<string, unknown>;
  key: string;
  schema?: Schema;
}

// The loops below, which step through nests of thousands of levels, read these and not the globals: jest runs
// the suite in a vm context, where each read of a global (Array, Object, JSON) costs ~0.1 µs, more than the
// rest of a step.
const { isArray } = Array;
const { keys: ownKeys, getPrototypeOf } = Object;
const { stringify } = JSON;

type ValueVisitor = (holder: Record<string, unknown>, key: string, schema: Schema | undefined) => boolean;
type ObjectVisitor = (obj: Record<string, unknown>, schema: Schema | undefined) => boolean;

/**
 * Visits every (holder, key) in the value with the schema that describes it, and every object, depth-first
 * in one fixed order: an object when it leaves the stack, its entries (in key order) as it does. A visitor
 * returning true stops the walk. With `typedOnly` a value without a schema is visited but not entered
 * (nothing under it has a schema). Nothing is allocated per value: after a 'too-deep' defect the body holds a
 * nest of up to 3000 levels, and every later defect of the request walks it (twice: `pickValue`).
 */
function walk(value: unknown, schema: Schema | undefined, onValue: ValueVisitor | undefined, onObject: ObjectVisitor | undefined, typedOnly: boolean): void {
  const values: unknown[] = [value];
  const schemas: Array<Schema | undefined> = [schema];
  while (values.length) {
    const v = values.pop();
    const s = schemas.pop();
    if (v === null || typeof v !== 'object') continue;
    const holder = v as Record<string, unknown>;
    // Arrays here are dense and have no other keys (a defect adds keys to objects only): their entries are 0..length-1.
    const array = isArray(v);
    if (!array && onObject?.(holder, s)) return;
    const keys = array ? undefined : ownKeys(v);
    const n = array ? v.length : keys!.length;
    for (let i = 0; i < n; i++) {
      const k = array ? `${i}` : keys![i];
      const childSchema = array ? s?.items : s?.properties?.[k];
      if (onValue?.(holder, k, childSchema)) return;
      if (typedOnly && childSchema == null) continue;
      values.push(holder[k]);
      schemas.push(childSchema);
    }
  }
}

/** The `at`-th (modulo their count) of the values `accepts` takes, in walk order; undefined when it takes none. */
function pickValue(body: unknown, schema: Schema, at: Pick, accepts: ValueVisitor, typedOnly = false): Slot | undefined {
  let count = 0;
  walk(body, schema, (h, k, s) => (accepts(h, k, s) && count++, false), undefined, typedOnly);
  if (!count) return undefined;
  let left = at % count;
  let found: Slot | undefined;
  walk(body, schema, (h, k, s) => accepts(h, k, s) && left-- === 0 && !!(found = { holder: h, key: k, schema: s }), undefined, typedOnly);
  return found;
}

/** The `at`-th (modulo their count) of the objects `accepts` takes, in walk order; undefined when it takes none. */
function pickObject(body: unknown, schema: Schema, at: Pick, accepts: ObjectVisitor, typedOnly = false): { obj: Record<string, unknown>; schema?: Schema } | undefined {
  let count = 0;
  walk(body, schema, undefined, (o, s) => (accepts(o, s) && count++, false), typedOnly);
  if (!count) return undefined;
  let left = at % count;
  let found: { obj: Record<string, unknown>; schema?: Schema } | undefined;
  walk(body, schema, undefined, (o, s) => accepts(o, s) && left-- === 0 && !!(found = { obj: o, schema: s }), typedOnly);
  return found;
}

const isText: ValueVisitor = (h, k) => typeof h[k] === 'string';
const anything = () => true;

function nest(levels: number, container: 'array' | 'object'): unknown {
  let v: unknown = 'x';
  for (let i = 0; i < levels; i++) v = container === 'array' ? [v] : { a: v };
  return v;
}

/**
 * JSON.stringify(value), byte for byte, in time linear in the depth. V8's JSON.stringify compares every
 * object with each one it is inside (its cycle check), so a 3000-level 'too-deep' nest costs it ~2 ms: the
 * largest part of the CPU spent generating requests. A run of one-entry containers (a nest: [[[…]]], {"a":{"a":…}}) is
 * written as one repeated string. Anything but plain objects, arrays, strings, numbers, booleans and null
 * (undefined, a toJSON method, a Date, …), or a depth past any a request reaches (a cycle), is left to
 * JSON.stringify itself.
 */
function toJson(root: unknown): string {
  let out = '';
  // The containers not yet closed: each with its keys (undefined for an array), the index of its next entry,
  // and how many one-entry containers of the same shape it stands for (the outer ones are already open).
  const holders: Array<Record<string, unknown>> = [];
  const keyLists: Array<string[] | undefined> = [];
  const next: number[] = [];
  const runs: number[] = [];
  let depth = 0;
  let v = root;
  for (;;) {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out += stringify(v);
    else if (!isPlain(v) || depth >= 100_000) return stringify(root);
    else if (isArray(v)) {
      let array = v as unknown[];
      let run = 1;
      while (array.length === 1 && isArray(array[0]) && isPlain(array[0]) && depth + run < 100_000) {
        array = array[0] as unknown[];
        run++;
      }
      holders.push(array as unknown as Record<string, unknown>);
      keyLists.push(undefined);
      out += run === 1 ? '[' : '['.repeat(run);
      next.push(0);
      runs.push(run);
      depth += run;
    } else {
      let holder = v as Record<string, unknown>;
      const keys = ownKeys(holder);
      let run = 1;
      if (keys.length === 1) {
        const k = keys[0];
        for (;;) {
          const child = holder[k];
          if (child === null || typeof child !== 'object' || isArray(child) || !isPlain(child) || depth + run >= 100_000) break;
          const childKeys = ownKeys(child);
          if (childKeys.length !== 1 || childKeys[0] !== k) break;
          holder = child as Record<string, unknown>;
          run++;
        }
        // The innermost link (whose one key is k too) is written below like any object: open the outer ones here.
        if (run > 1) out += `{${stringify(k)}:`.repeat(run - 1);
      }
      holders.push(holder);
      keyLists.push(keys);
      out += '{';
      next.push(0);
      runs.push(run);
      depth += run;
    }
    // The next value to write: the next entry of the innermost container not yet closed.
    for (;;) {
      const top = holders.length - 1;
      if (top < 0) return out;
      const holder = holders[top];
      const keys = keyLists[top];
      const i = next[top];
      if (i < (keys ? keys.length : (holder as unknown as unknown[]).length)) {
        if (i > 0) out += ',';
        if (keys) {
          out += `${stringify(keys[i])}:`;
          v = holder[keys[i]];
        } else v = (holder as unknown as unknown[])[i];
        next[top] = i + 1;
        break;
      }
      const run = runs[top];
      out += keys ? (run === 1 ? '}' : '}'.repeat(run)) : run === 1 ? ']' : ']'.repeat(run);
      depth -= run;
      holders.pop();
      keyLists.pop();
      next.pop();
      runs.pop();
    }
  }
}

/** Does JSON.stringify write `value` as its own enumerable entries: an array or a plain object (of any realm), without toJSON? */
function isPlain(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (isArray(value)) return true;
  // structuredClone's objects have another realm's Object.prototype (jest runs the suite in a vm context).
  const proto = getPrototypeOf(value);
  return proto === null || getPrototypeOf(proto) === null;
}

/** Is `value` of the wrong type for `schema` (so that the route's validation must refuse it)? */
function wrongFor(schema: Schema | undefined, value: unknown): boolean {
  if (!schema || value === null || value === undefined) return false;
  switch (schema.type) {
    case 'string': return typeof value !== 'string';
    case 'integer': return typeof value !== 'number' || !Number.isInteger(value);
    case 'number': return typeof value !== 'number';
    case 'boolean': return typeof value !== 'boolean';
    case 'array': return !Array.isArray(value);
    case 'object': return typeof value !== 'object' || Array.isArray(value);
    default: return false;
  }
}

/**
 * Applies one defect to a (cloned) body. Returns false when the defect has no place in this body
 * (e.g. no enum field): the caller then falls back to a defect that always applies.
 */
export function applyDefect(body: Record<string, unknown>, schema: Schema, d: Defect): boolean {
  // A defect that needs a schema where it lands (typedOnly) does not walk into values without one, such as a nest.
  switch (d.kind) {
    case 'ill-formed-text': {
      const s = pickValue(body, schema, d.at, isText);
      // ASCII on both sides, so the surrogate can never pair with a neighbour (even one a later defect adds).
      if (s) s.holder[s.key] = `${String(s.holder[s.key]).slice(0, 3)}x${d.surrogate}x`;
      else body[`text${d.at}`] = d.surrogate;
      return true;
    }
    case 'nul-in-text': {
      const s = pickValue(body, schema, d.at, isText);
      if (s) s.holder[s.key] = `${d.prefix}\u0000${String(s.holder[s.key])}`;
      else body[`text${d.at}`] = `${d.prefix}\u0000`;
      return true;
    }
    case 'ill-formed-key': {
      const o = pickObject(body, schema, d.at, anything)!;
      o.obj[`k${d.surrogate}`] = 'x';
      return true;
    }
    case 'too-deep': {
      const s = pickValue(body, schema, d.at, anything);
      if (s) s.holder[s.key] = nest(d.levels, d.container);
      else body.deep = nest(d.levels, d.container);
      return true;
    }
    case 'prototype-key': {
      const o = pickObject(body, schema, d.at, anything)!;
      Object.defineProperty(o.obj, d.name, { value: 'x', enumerable: true, configurable: true, writable: true });
      return true;
    }
    case 'unknown-key': {
      const o = pickObject(body, schema, d.at, (_o, s) => !!s?.properties, true);
      if (!o || o.schema?.properties?.[d.name]) return false;
      o.obj[d.name] = 'x';
      return true;
    }
    case 'wrong-type': {
      const s = pickValue(body, schema, d.at, (_h, _k, s) => !!s && wrongFor(s, d.value), true);
      if (!s) return false;
      s.holder[s.key] = d.value;
      return true;
    }
    case 'missing-required': {
      const o = pickObject(body, schema, d.at, (obj, s) => !!s?.required?.some((k) => k in obj), true);
      if (!o) return false;
      const present = o.schema!.required!.filter((k) => k in o.obj);
      delete o.obj[present[d.at % present.length]];
      return true;
    }
    case 'too-long': {
      const s = pickValue(body, schema, d.at, (h, k, s) => typeof h[k] === 'string' && s?.maxLength !== undefined && s.maxLength < 20_000, true);
      if (!s) return false;
      s.holder[s.key] = 'y'.repeat(s.schema!.maxLength! + 1);
      return true;
    }
    case 'not-in-enum': {
      const s = pickValue(body, schema, d.at, (h, k, s) => typeof h[k] === 'string' && !!s?.enum?.length && !s.enum.includes(d.value), true);
      if (!s) return false;
      s.holder[s.key] = d.value;
      return true;
    }
  }
}

/* ------------------------------------------------------------------ whole requests */

export interface MalformedRequest {
  method: string;
  /** Path and query, already percent-encoded as sent. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** What is wrong with it, for the failure message. */
  defects: string[];
}

export interface RequestContext {
  /** A real id for a path parameter (so requests get past the id check), by the path's shape. */
  idFor(op: Operation, param: string): string;
  /** Headers that authenticate the operation's caller. */
  authFor(op: Operation): Record<string, string>;
}

const NOT_JSON = fc.oneof(
  fc.constantFrom('{', '{"a":', '{"a":1,}', "{'a':1}", 'nul', '{"a":"\\x"}', '{"a":01}', '[1,2', '{"a" 1}', '\u0000'),
  fc.string({ minLength: 1, maxLength: 30 }).map((s) => `{${s}`),
).filter((text) => {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
});
const NON_OBJECT_JSON = fc.constantFrom('"text"', '42', 'true', 'null', '"\\ud800"', '[]', '[{}]', '[1,"a"]', '[[[]]]');
/** Header text: visible Latin-1 (what Node's HTTP client and parser allow), never a real credential. */
const LATIN1_HEADER = fc
  .array(fc.oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })).map((c) => String.fromCharCode(c)), { minLength: 1, maxLength: 300 })
  .map((chars) => chars.join(''));
const UNREADABLE_TYPES = fc.constantFrom('text/plain', 'text/plain; charset=utf-8', 'application/xml', 'application/octet-stream', 'multipart/form-data; boundary=x', 'text/html', 'application/merge-patch+json');
/** A query parameter with NUL in its name or value: one the operation declares, or any other. */
const nulQuery = (declared: string[]) =>
  fc.record({
    key: fc.constantFrom(...declared.map(encodeURIComponent), 'x', 'email', 'id', 'cursor', '%00', 'a%00b'),
    value: fc.constantFrom('%00', 'a%00', '%00%00', 'x%00y', '2026-01-01T00%3A00%3A00Z%00'),
  });

function urlFor(op: Operation, ctx: RequestContext, badParam?: { index: number; raw: string }): string {
  let i = 0;
  return op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const raw = badParam && badParam.index % op.pathParams.length === i ? badParam.raw : encodeURIComponent(ctx.idFor(op, name));
    i++;
    return raw;
  });
}

function encodeForm(value: Record<string, unknown>): string {
  return Object.entries(value)
    .map(([k, v]) => `${encodeURIComponent(k)}=${typeof v === 'string' ? encodeURIComponent(v) : encodeURIComponent(JSON.stringify(v))}`)
    .join('&');
}

/**
 * Malformed requests for one operation. Every request carries at least one defect that the service
 * must refuse (a body defect only where the operation reads a body; path, query and media-type defects
 * everywhere), so the expected answer is always a 4xx and never a change.
 */
export function malformedRequests(op: Operation, ctx: RequestContext): fc.Arbitrary<MalformedRequest> {
  const base = op.body ? (validValue(op.body.schema) as fc.Arbitrary<Record<string, unknown>>) : fc.constant({} as Record<string, unknown>);
  const hasRequired = !!op.body && JSON.stringify(op.body.schema).includes('"required"');
  const raw: Array<fc.Arbitrary<RawDefect>> = [
    nulQuery(op.queryParams.map((p) => p.name)).map((q) => ({ kind: 'nul-in-query' as const, ...q })),
    fc.record({ kind: fc.constant('unreadable-media-type' as const), contentType: UNREADABLE_TYPES, text: fc.string({ minLength: 1, maxLength: 40 }) }),
  ];
  if (op.pathParams.length) raw.push(badPathParam.map((r) => ({ kind: 'bad-path-param' as const, raw: r })));
  // Header values the service reads (X-Api-Key, Authorization): any Latin-1 text an HTTP client can send.
  if (op.auth !== 'none') raw.push(LATIN1_HEADER.map((value) => ({ kind: 'bad-credentials' as const, value })));
  if (!op.body || op.body.contentType === 'application/json') {
    raw.push(NOT_JSON.map((text) => ({ kind: 'not-json' as const, text })));
    if (op.body) raw.push(NON_OBJECT_JSON.map((text) => ({ kind: 'non-object-json' as const, text })));
  }
  // Body defects: on operations that read a JSON body all of them; on the others (a body the route
  // ignores, or a form) only those the edge refuses for any route: bad text, depth, prototype keys.
  const edgeOnly = !op.body || op.body.contentType !== 'application/json';
  const bodyDefects = defectArb(hasRequired).filter((d) => !edgeOnly || ['ill-formed-text', 'nul-in-text', 'ill-formed-key', 'too-deep', 'prototype-key'].includes(d.kind))
    .filter((d) => op.body?.contentType !== 'application/x-www-form-urlencoded' || d.kind === 'nul-in-text');
  return fc
    .record({
      base,
      choice: fc.oneof(
        { weight: 3, arbitrary: fc.array(bodyDefects, { minLength: 1, maxLength: 3 }).map((defects) => ({ defects, raw: undefined as RawDefect | undefined })) },
        { weight: 2, arbitrary: fc.oneof(...raw).map((r) => ({ defects: [] as Defect[], raw: r as RawDefect | undefined })) },
      ),
      pathIndex: fc.nat(4),
    })
    .map(({ base, choice, pathIndex }) => {
      const body = structuredClone(base);
      const applied: string[] = [];
      for (const d of choice.defects) {
        if (applyDefect(body, op.body?.schema ?? { type: 'object' }, d)) applied.push(d.kind);
      }
      // A defect that found no place (no enum field, …) falls back to one every body can carry.
      if (choice.defects.length && applied.length === 0) {
        applyDefect(body, op.body?.schema ?? { type: 'object' }, { kind: 'nul-in-text', at: 0, prefix: '' });
        applied.push('nul-in-text');
      }
      const headers: Record<string, string> = { ...ctx.authFor(op) };
      let url = urlFor(op, ctx);
      let text: string | undefined;
      if (applied.length) {
        const form = op.body?.contentType === 'application/x-www-form-urlencoded';
        headers['content-type'] = form ? 'application/x-www-form-urlencoded' : 'application/json';
        text = form ? encodeForm(body) : toJson(body);
      } else if (op.body) {
        headers['content-type'] = op.body.contentType;
        text = op.body.contentType === 'application/json' ? toJson(body) : encodeForm(body);
      }
      const r = choice.raw;
      if (r?.kind === 'bad-path-param') url = urlFor(op, ctx, { index: pathIndex, raw: r.raw });
      if (r?.kind === 'nul-in-query') url += `?${r.key}=${r.value}`;
      if (r?.kind === 'unreadable-media-type') {
        headers['content-type'] = r.contentType;
        text = r.text;
      }
      if (r?.kind === 'bad-credentials') {
        if (op.auth === 'api-key') headers['x-api-key'] = r.value;
        else headers.authorization = r.value.length % 2 ? `Bearer ${r.value}` : r.value;
      }
      if (r?.kind === 'not-json' || r?.kind === 'non-object-json') {
        headers['content-type'] = 'application/json';
        text = r.text;
      }
      return { method: op.method, url, headers, body: text, defects: r ? [r.kind] : applied };
    });
}

/* ------------------------------------------------------------------ envelopes */

const D3_FIELD_ERRORS = ['REQUIRED', 'HAS_TEXT', 'REQUIRES', 'SIZE', 'RANGE', 'IN', 'NOT_IN', 'REGEX', 'EXACTLY', 'AT_LEAST', 'AT_MOST', 'ALL_OR_NONE'];
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const onlyKeys = (o: unknown, keys: string[]) => !!o && typeof o === 'object' && !Array.isArray(o) && Object.keys(o).sort().join() === [...keys].sort().join();

/** Why a body is not the dialect's error envelope for the status, or null when it is. */
export const ENVELOPES: Partial<Record<DialectId, (status: number, body: any) => string | null>> = {
  D1: (_s, b) => (onlyKeys(b, ['error']) && isString(b.error) ? null : 'D1 wants {"error":"<sentence>"}'),
  D2: (_s, b) =>
    onlyKeys(b, ['success', 'error']) && b.success === false && onlyKeys(b.error, ['code', 'message', 'details']) && isString(b.error.code) && isString(b.error.message) && Array.isArray(b.error.details) && b.error.details.every(isString)
      ? null
      : 'D2 wants {"success":false,"error":{"code","message","details":[…]}}',
  D3: (s, b) => {
    if (s === 400) {
      const ok = onlyKeys(b, ['message', 'syntaxErrors']) && isString(b.message) && onlyKeys(b.syntaxErrors, ['invalidFields']) && Array.isArray(b.syntaxErrors.invalidFields)
        && b.syntaxErrors.invalidFields.every((f: any) => onlyKeys(f, ['fieldName', 'error', 'params']) && typeof f.fieldName === 'string' && D3_FIELD_ERRORS.includes(f.error) && Array.isArray(f.params));
      return ok ? null : 'D3 400 wants {"message","syntaxErrors":{"invalidFields":[{"fieldName","error","params"}]}}';
    }
    if (s === 403 || s === 409) return onlyKeys(b, ['errorCode']) && isString(b.errorCode) ? null : `D3 ${s} wants {"errorCode"}`;
    return onlyKeys(b, ['code', 'message']) && isString(b.code) && isString(b.message) ? null : `D3 ${s} wants {"code","message"}`;
  },
  D4: (_s, b) => {
    if (onlyKeys(b, ['detail']) && isString(b.detail)) return null;
    const fields = b && typeof b === 'object' && !Array.isArray(b) ? Object.entries(b) : [];
    return fields.length > 0 && fields.every(([, v]) => Array.isArray(v) && v.length > 0 && v.every(isString)) ? null : 'D4 wants {"detail"} or {"<field>":["<sentence>"]}';
  },
  D5: (_s, b) => (onlyKeys(b, ['error']) && isString(b.error) ? null : 'D5 wants {"error":"<sentence>"}'),
  // A page: the whole HTML document (its text is passed here), with a heading saying what went wrong.
  page: (_s, html) => (typeof html === 'string' && html.startsWith('<!doctype html>') && /<h1>[^<]+<\/h1>/.test(html) && !/<script>/.test(html) ? null : 'page wants an HTML page with an <h1>'),
  // POST /oauth/token: RFC 6749 §5.2.
  oauth: (_s, b) =>
    onlyKeys(b, b && typeof b === 'object' && 'error_description' in b ? ['error', 'error_description'] : ['error'])
    && ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'temporarily_unavailable', 'server_error'].includes(b.error)
    && (b.error_description === undefined || isString(b.error_description))
      ? null
      : 'oauth wants {"error":"<RFC 6749 code>","error_description"?}',
  service: (s, b) => {
    const keys = b && typeof b === 'object' ? Object.keys(b) : [];
    const ok = b && b.statusCode === s && isString(b.error) && isString(b.code) && isString(b.message) && keys.every((k) => ['statusCode', 'error', 'code', 'message', 'details'].includes(k))
      && (b.details === undefined || (Array.isArray(b.details) && b.details.every(isString)));
    return ok ? null : 'service wants {"statusCode","error","code","message","details"?}';
  },
};
