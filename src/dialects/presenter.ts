import type { DomainError } from '../common/errors/domain-errors';

/** What a dialect answers for a failure: status, body, and optional extra headers. */
export interface ErrorResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Each dialect words and wraps failures its own way; services never build envelopes. */
export interface DialectPresenter {
  present(error: DomainError): ErrorResponse;
}
