import type { NextFunction, Request, Response } from 'express';
import { FieldIssue, MalformedBodyError, RequestValidationError, RouteNotFoundError } from './errors/domain-errors';

/**
 * The request edge: one check, right after body parsing and before routing, guards, pipes or any
 * library sees the input, that every string the service may read is text it can store and compare.
 * See docs/input-handling.md.
 *
 * - Body (JSON or form): nesting at most BODY_MAX_DEPTH levels (the body object itself is level 1),
 *   walked iteratively so no depth can exhaust the stack; every key and string value well-formed
 *   Unicode (no lone UTF-16 surrogate) without U+0000; no key that names an Object.prototype member
 *   (`constructor`, `toString`, …: class-validator's whitelist lets those through).
 * - Path: every segment percent-decodes (UTF-8) to text without U+0000.
 * - Query: every key and value well-formed and without U+0000.
 * - Headers: the same (Node's HTTP parser already refuses NUL and decodes bytes as Latin-1, so this
 *   only states the guarantee).
 * - A body no parser read (e.g. `text/plain`) is refused as an unsupported media type.
 */
export const BODY_MAX_DEPTH = 32;
/** Query objects are flat (Express's "simple" parser: strings and lists of strings). */
const QUERY_MAX_DEPTH = 4;

/** What is wrong with one input, and where (dotted path, `[i]` not used: array items are `.i`). */
export type EdgeProblem =
  | { kind: 'depth'; path: string }
  | { kind: 'text'; path: string; reason: 'ill-formed' | 'nul' }
  | { kind: 'prototype-key'; path: string };

/** Every name an object inherits from Object.prototype ("constructor", "toString", "__proto__", …). */
const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/** String.prototype.isWellFormed (Node 20; ES2024, newer than the compile target's lib). */
const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** True for text the service accepts anywhere: well-formed UTF-16 (no lone surrogate) and no NUL. */
export function isCleanText(s: string): boolean {
  return wellFormed(s) && !s.includes('\u0000');
}

function textProblem(s: string, path: string): EdgeProblem | undefined {
  if (!wellFormed(s)) return { kind: 'text', path, reason: 'ill-formed' };
  if (s.includes('\u0000')) return { kind: 'text', path, reason: 'nul' };
  return undefined;
}

/**
 * The first problem in a parsed value (JSON body, form body, query object), breadth-first, without
 * recursion. `maxDepth` counts containers: `{}` is depth 1, `{"a":[]}` depth 2.
 */
export function inspectValue(root: unknown, maxDepth = BODY_MAX_DEPTH): EdgeProblem | undefined {
  if (typeof root === 'string') return textProblem(root, '');
  if (root === null || typeof root !== 'object') return undefined;
  const queue: Array<{ value: object; path: string; depth: number }> = [{ value: root, path: '', depth: 1 }];
  for (let i = 0; i < queue.length; i++) {
    const { value, path, depth } = queue[i];
    if (depth > maxDepth) return { kind: 'depth', path };
    for (const key of Object.keys(value)) {
      const at = path ? `${path}.${key}` : key;
      if (!Array.isArray(value)) {
        const bad = textProblem(key, at);
        if (bad) return bad;
        if (PROTOTYPE_NAMES.has(key)) return { kind: 'prototype-key', path: at };
      }
      const child = (value as Record<string, unknown>)[key];
      if (typeof child === 'string') {
        const bad = textProblem(child, at);
        if (bad) return bad;
      } else if (child !== null && typeof child === 'object') {
        queue.push({ value: child, path: at, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/** The domain error the edge raises for a problem found in the body (or, `inQuery`, the query string). */
export function edgeError(problem: EdgeProblem, inQuery = false): MalformedBodyError | RequestValidationError {
  switch (problem.kind) {
    case 'depth':
      return inQuery ? new RequestValidationError([{ path: problem.path, kind: 'format' }], 'query') : new MalformedBodyError('depth');
    case 'prototype-key':
      // The same answer as any other field the route does not declare (SECURITY.md G4).
      return new RequestValidationError([{ path: problem.path, kind: 'unknown' }], inQuery ? 'query' : 'body');
    case 'text':
      return new RequestValidationError([{ path: problem.path, kind: 'format' } satisfies FieldIssue], inQuery ? 'query' : 'body');
  }
}

/** Each path segment percent-decodes to clean text; false for `%00`, `%ED%A0%80` (a surrogate), `%E0%A4%A`. */
export function isCleanPath(path: string): boolean {
  for (const segment of path.split('/')) {
    if (!segment.includes('%')) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return false;
    }
    if (!isCleanText(decoded)) return false;
  }
  return true;
}

/** Content-Length > 0 or a chunked body: something a parser should have read. */
function carriesBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length']);
  return Number.isFinite(length) && length > 0;
}

/**
 * Express middleware, registered right after the body parsers (configure-app.ts). Throws domain
 * errors, which the global filter words in the dialect of the request's path.
 */
export function requestEdge() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    try {
      checkRequest(req);
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** The checks of requestEdge(), for one request; throws the first failure. */
export function checkRequest(req: Request): void {
  // A path segment that cannot be decoded or holds NUL names no resource of any route.
  if (!isCleanPath(req.path)) throw new RouteNotFoundError();
  for (const [name, value] of Object.entries(req.headers)) {
    for (const v of Array.isArray(value) ? value : [value ?? '']) {
      if (!isCleanText(v)) throw new RequestValidationError([{ path: `header ${name}`, kind: 'format' }], 'header');
    }
  }
  // No parser took the body (the parsers read application/json and form bodies only).
  if (carriesBody(req) && !req.readableEnded) throw new MalformedBodyError('content-type');
  const bodyProblem = inspectValue(req.body);
  if (bodyProblem) throw edgeError(bodyProblem);
  const queryProblem = inspectValue(req.query, QUERY_MAX_DEPTH);
  if (queryProblem) throw edgeError(queryProblem, true);
}
