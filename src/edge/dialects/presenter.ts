import type { DomainError } from '../../ground/common/errors/domain-errors';

/** What a dialect answers for a failure: status, body, and optional extra headers. */
export interface ErrorResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Set by the pages (HTML, not JSON): sent as is instead of `body`. */
  html?: string;
}

/** What a presenter may know of the request besides the error: the reader's languages and where the service lives. */
export interface PresentationContext {
  /** The request's Accept-Language header. */
  acceptLanguage?: string;
  /** The path of PUBLIC_URL ('' at the root), for links on an HTML page. */
  basePath?: string;
}

/** Each dialect words and wraps failures its own way; services never build envelopes. */
export interface DialectPresenter {
  present(error: DomainError, context?: PresentationContext): ErrorResponse;
}
