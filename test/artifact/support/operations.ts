/**
 * Requests to the built service over HTTP, each matched to the operation of its own OpenAPI document
 * (`/docs-json`) that it exercises: the answer's status must be one the document lists for that
 * operation, never a 5xx, and the tier fails when an operation got no request at all (a route added
 * tomorrow is missed by nobody).
 */

export interface OpenApiOperation {
  operationId?: string;
  responses: Record<string, unknown>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

interface Template {
  /** "METHOD /path/{param}", as the document names it. */
  key: string;
  method: string;
  pattern: RegExp;
  /** Path parameters: a literal segment wins over a parameter (/users/me before /users/{id}). */
  params: number;
  statuses: string[];
}

/** The document's operations, and the requests and statuses each has had. */
export class OperationCoverage {
  private readonly templates: Template[] = [];
  /** "METHOD /template" → statuses received, in order. */
  readonly received = new Map<string, number[]>();

  constructor(doc: OpenApiDocument) {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!METHODS.includes(method)) continue;
        const source = path.split(/\{[^}]+\}/).map(escapeRegExp).join('[^/]+');
        this.templates.push({
          key: `${method.toUpperCase()} ${path}`,
          method: method.toUpperCase(),
          pattern: new RegExp(`^${source}$`),
          params: (path.match(/\{/g) ?? []).length,
          statuses: Object.keys(op.responses ?? {}),
        });
      }
    }
  }

  /** Every operation, as "METHOD /template". */
  get operations(): string[] {
    return this.templates.map((t) => t.key);
  }

  /** The operations that have had no request. */
  missing(): string[] {
    return this.operations.filter((key) => !this.received.has(key));
  }

  /**
   * Records a request's answer; throws when the request is no operation of the document, when the
   * status is not one the document lists for it, or when it is a 5xx.
   */
  record(method: string, url: string, status: number): string {
    const path = url.split('?')[0];
    const template = this.templates
      .filter((t) => t.method === method.toUpperCase() && t.pattern.test(path))
      .sort((a, b) => a.params - b.params)[0];
    if (!template) throw new Error(`${method} ${path} is no operation of /docs-json`);
    this.received.set(template.key, [...(this.received.get(template.key) ?? []), status]);
    const documented = template.statuses.includes(String(status)) || template.statuses.includes(`${Math.floor(status / 100)}XX`) || template.statuses.includes('default');
    if (status >= 500) throw new Error(`${method} ${url} (${template.key}) answered ${status}`);
    if (!documented) throw new Error(`${method} ${url} (${template.key}) answered ${status}, which /docs-json does not list (${template.statuses.join(', ')})`);
    return template.key;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined. */
  body: any;
}

export interface RequestOptions {
  json?: unknown;
  /** An application/x-www-form-urlencoded body (what a page's form sends). */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** The status this request must get. */
  expect: number;
}

/** Sends requests to one base URL, records each against the coverage, and checks the expected status. */
export class OperationClient {
  constructor(
    private readonly baseUrl: string,
    readonly coverage: OperationCoverage,
  ) {}

  async send(method: string, path: string, opts: RequestOptions): Promise<Answer> {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | undefined;
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(opts.form).toString();
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    this.coverage.record(method, path, res.status);
    if (res.status !== opts.expect) throw new Error(`${method} ${path}: expected ${opts.expect}, got ${res.status} ${text.slice(0, 400)}`);
    return { status: res.status, headers: res.headers, text, body: parsed };
  }
}
