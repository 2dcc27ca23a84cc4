import {
  DomainError, InvalidTokenError, PasswordAlreadySetError, PasswordLoginDisabledError, PasswordPolicyError, RateLimitedError,
  RequestValidationError, RouteNotFoundError, StorageUnavailableError, UserNotFoundError,
} from '../common/errors/domain-errors';
import type { Messages } from '../messages/messages';
import type { PasswordPolicy } from '../password/password-policy';
import type { PolicyViolation } from '../password/policy-violation';
import { renderView } from '../views/views';
import { FLOWS, FlowSpec, REQUEST_FLOWS, RequestFlow } from './page-flows';

/** A rendered page and its status code. */
export interface PageResponse {
  status: number;
  html: string;
}

/** What the password form shows about the person and the account the secret names. */
export interface PasswordFormContext {
  accountName: string | null;
  email: string;
  policy: PasswordPolicy;
  /** The secret, carried on in a hidden field (POST body only, never a URL). */
  code: string;
}

export interface FormProblems {
  password: string[];
  confirm?: string;
}

/** One line of the rules list; `check` lets the page's script tick it off as the person types. */
interface RuleLine {
  text: string;
  check?: { rule: 'minLength' | 'maxLength' | 'class' | 'minClasses'; value: string | number };
}

/**
 * Builds every page from the message catalog and the templates (src/views/templates/pages). Pure: the
 * caller chooses the language and passes what the page shows. `base` is the path of PUBLIC_URL ('' at
 * the root), so links and assets work behind a proxy that serves the service under a prefix.
 */
export class PageViews {
  constructor(private readonly base: string) {}

  /** Step 1: the secret. The page's script fills it in from the link's fragment and continues at once. */
  codeForm(spec: FlowSpec, m: Messages, error?: string): PageResponse {
    return this.render(error ? 400 : 200, 'pages/code', m, {
      title: m.t(spec.title), lead: m.t(spec.enterCode), action: this.url(spec.path), codeField: spec.codeField,
      codeLabel: m.t(spec.codeLabel), error, requestNew: spec.requestNew ? this.url(spec.requestNew) : null,
    });
  }

  /** Step 2: the account, its rules, and the new password (again with the refusals, after a submit). */
  passwordForm(spec: FlowSpec, m: Messages, ctx: PasswordFormContext, problems?: FormProblems): PageResponse {
    const passwordErrors = problems?.password ?? [];
    const confirmError = problems?.confirm;
    const errors = [...passwordErrors.map((message) => ({ field: 'password', message })), ...(confirmError ? [{ field: 'confirm', message: confirmError }] : [])];
    const intro = spec.flow === 'invitation' && ctx.accountName ? m.t('invitation.intro.account', { account: ctx.accountName }) : m.t(spec.intro);
    return this.render(errors.length > 0 ? 400 : 200, 'pages/password', m, {
      title: m.t(spec.title), account: ctx.accountName, intro, action: this.url(spec.path), codeField: spec.codeField, code: ctx.code,
      email: ctx.email, rules: policyRules(m, ctx.policy, spec.mode), submit: m.t(spec.submit), errors, passwordErrors, confirmError,
    });
  }

  done(spec: FlowSpec, m: Messages, accountName: string | null): PageResponse {
    return this.message(200, m, { tone: 'success', title: m.t(spec.doneTitle), paragraphs: [m.t(spec.doneBody)], account: accountName });
  }

  /** "This link has expired or was already used", with the way to a new one. */
  expired(spec: FlowSpec, m: Messages): PageResponse {
    return this.message(400, m, {
      tone: 'error', title: m.t('expired.title'), paragraphs: [m.t(spec.expiredBody)],
      // A reset asks for a new email; an invitation or sign-up may simply have been used already: reset.
      action: spec.requestNew ? { href: this.url(spec.requestNew), label: m.t('reset.requestNew') } : { href: this.url(REQUEST_FLOWS.forgot.path), label: m.t('alreadySet.action') },
    });
  }

  requestForm(flow: RequestFlow, m: Messages, email = '', error?: string): PageResponse {
    const f = REQUEST_FLOWS[flow];
    return this.render(error ? 400 : 200, 'pages/email', m, {
      title: m.t(f.title), intro: m.t(f.intro), action: this.url(f.path), email, error, submit: m.t(f.submit), haveCode: this.url(f.codePage),
    });
  }

  /** Said whether or not the address is registered (SECURITY.md C1). */
  sent(flow: RequestFlow, m: Messages, email: string, expiryMs: number): PageResponse {
    return this.message(200, m, {
      tone: 'info', title: m.t('sent.title'), paragraphs: [m.t('sent.body', { email, expiry: m.duration(expiryMs) }), m.t('sent.spam')],
      action: { href: this.url(REQUEST_FLOWS[flow].codePage), label: m.t('forgot.haveCode') },
    });
  }

  /**
   * A failure as a page: refusals in words, the right status, and the way on. `spec` is the flow the
   * page belongs to, when known (an invalid secret then gets that flow's "expired" page).
   */
  failure(error: DomainError, m: Messages, spec?: FlowSpec): PageResponse {
    if (error instanceof InvalidTokenError || error instanceof UserNotFoundError) return this.expired(spec ?? FLOWS.reset, m);
    if (error instanceof RateLimitedError) {
      return this.message(429, m, { tone: 'error', title: m.t('limited.title'), paragraphs: [m.t('limited.body', { wait: m.duration((error.retryAfterSeconds ?? 60) * 1000) })] });
    }
    if (error instanceof PasswordAlreadySetError) {
      return this.message(409, m, { tone: 'info', title: m.t('alreadySet.title'), paragraphs: [m.t('alreadySet.body')], action: { href: this.url(REQUEST_FLOWS.forgot.path), label: m.t('alreadySet.action') } });
    }
    if (error instanceof PasswordLoginDisabledError) return this.message(409, m, { tone: 'info', title: m.t('disabled.title'), paragraphs: [m.t('disabled.body')] });
    if (error instanceof StorageUnavailableError) return this.message(503, m, { tone: 'error', title: m.t('unavailable.title'), paragraphs: [m.t('unavailable.body')] });
    if (error instanceof RouteNotFoundError) return this.message(404, m, { tone: 'error', title: m.t('notFound.title'), paragraphs: [m.t('notFound.body')] });
    if (error instanceof PasswordPolicyError) return this.message(400, m, { tone: 'error', title: m.t('badRequest.title'), paragraphs: error.violations.map((v) => violationMessage(m, v)) });
    if (error instanceof RequestValidationError || error.code === 'MALFORMED_BODY' || error.code === 'PAYLOAD_TOO_LARGE' || error.code === 'METHOD_NOT_ALLOWED') {
      const status = error.code === 'PAYLOAD_TOO_LARGE' ? 413 : error.code === 'METHOD_NOT_ALLOWED' ? 405 : (error as { reason?: string }).reason === 'content-type' ? 415 : 400;
      return this.message(status, m, { tone: 'error', title: m.t('badRequest.title'), paragraphs: [m.t('error.form')] });
    }
    return this.message(500, m, { tone: 'error', title: m.t('error.title'), paragraphs: [m.t('error.body')] });
  }

  private message(status: number, m: Messages, data: { tone: 'success' | 'error' | 'info'; title: string; paragraphs: string[]; action?: { href: string; label: string }; account?: string | null }): PageResponse {
    return this.render(status, 'pages/message', m, { account: null, action: null, ...data });
  }

  private render(status: number, template: string, m: Messages, data: object): PageResponse {
    return { status, html: renderView(template, { account: null, ...data, m, base: this.base }) };
  }

  private url(path: string): string {
    return `${this.base}${path}`;
  }
}

/** The account's rules in the reader's words, each with what the page's script needs to check it. */
export function policyRules(m: Messages, p: PasswordPolicy, mode: 'initial' | 'replace'): RuleLine[] {
  const lines: RuleLine[] = [{ text: m.t('rules.minLength', { min: p.minLength }), check: { rule: 'minLength', value: p.minLength } }];
  lines.push({ text: m.t('rules.maxLength', { max: p.maxLength }), check: { rule: 'maxLength', value: p.maxLength } });
  for (const cls of p.requiredClasses) lines.push({ text: m.t(`rules.class.${cls}`), check: { rule: 'class', value: cls } });
  if (p.minClasses > 0) lines.push({ text: m.t('rules.minClasses', { min: p.minClasses }), check: { rule: 'minClasses', value: p.minClasses } });
  if (p.rejectCommon) lines.push({ text: m.t('rules.common') });
  if (p.rejectUserInfo) lines.push({ text: m.t('rules.userInfo') });
  if (p.historySize > 0 && mode === 'replace') lines.push({ text: m.t('rules.history', { size: p.historySize }) });
  return lines;
}

/** One refusal of the policy pipeline, in words, for beside the password field. */
export function violationMessage(m: Messages, v: PolicyViolation): string {
  switch (v.rule) {
    case 'minLength': return m.t('error.password.minLength', { min: v.min });
    case 'maxLength': return m.t('error.password.maxLength', { max: v.max });
    case 'requiredClass': return m.t(`error.password.class.${v.charClass}`);
    case 'minClasses': return m.t('error.password.minClasses', { min: v.min });
    case 'common': return m.t('error.password.common');
    case 'userInfo': return m.t('error.password.userInfo');
    case 'history': return m.t('error.password.history', { size: v.size });
  }
}
