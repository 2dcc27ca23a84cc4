import { Eta } from 'eta';
import { join } from 'node:path';
import type { Messages } from '../messages/messages';

/**
 * The one template engine of the pages and the HTML emails: Eta, with every `<%= … %>` HTML-escaped
 * (autoEscape on, the default); `<%~ … %>` (raw) is used only for markup the templates themselves
 * build. Templates live in src/core/views/templates (copied next to the compiled code by nest-cli.json):
 * `layouts/` (one page layout, one email layout), `pages/`, `emails/`. Sentences come from the
 * message catalog passed in as `it.m`; no template holds a sentence of its own.
 */
const eta = new Eta({
  views: join(__dirname, 'templates'),
  autoEscape: true,
  cache: true,
  // Template data is always reached through `it`, never through `with`.
  useWith: false,
});

/** What every template receives: the reader's catalog and the path prefix of PUBLIC_URL ('' at the root). */
export interface ViewContext {
  m: Messages;
  base: string;
}

/** Renders `templates/<name>.eta` with `data` (plus the context) and returns the HTML. */
export function renderView<T extends object>(name: string, data: T & ViewContext): string {
  return eta.render(name, data);
}
