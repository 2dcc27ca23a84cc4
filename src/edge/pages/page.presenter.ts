import type { DomainError } from '../../ground/common/errors/domain-errors';
import { negotiateLocale } from '../../ground/common/locale';
import type { DialectPresenter, ErrorResponse, PresentationContext } from '../dialects/presenter';
import { messagesFor } from '../../core/messages/messages';
import { PAGE_HEADERS } from './page-headers';
import { PageViews } from './page-views';

/**
 * Failures on a page path that happen before the page's own handler runs (request limit, unreadable
 * form, unknown method, storage down) are pages too, in the reader's language, with the pages' headers.
 */
export class PagePresenter implements DialectPresenter {
  private readonly views = new Map<string, PageViews>();

  present(error: DomainError, context: PresentationContext = {}): ErrorResponse {
    const base = context.basePath ?? '';
    let views = this.views.get(base);
    // Failure pages only: they need no configuration (pageOptions).
    if (!views) this.views.set(base, (views = new PageViews(base)));
    const page = views.failure(error, messagesFor(negotiateLocale(context.acceptLanguage)));
    const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
    return {
      status: page.status,
      body: null,
      html: page.html,
      headers: { ...PAGE_HEADERS, ...(page.status === 429 && retryAfter ? { 'Retry-After': String(retryAfter) } : {}) },
    };
  }
}
