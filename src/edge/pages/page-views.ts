import {
  DomainError, InvalidTokenError, PasswordAlreadySetError, PasswordLoginDisabledError, PasswordPolicyError, RateLimitedError,
  RequestValidationError, RouteNotFoundError, StorageUnavailableError, UserNotFoundError,
} from '../../ground/common/errors/domain-errors';
import type { Messages } from '../../core/messages/messages';
import type { PasswordPolicy } from '../../core/password/password-policy';
import type { PolicyViolation } from '../../core/password/policy-violation';
import { renderView } from '../../core/views/views';
import { FLOWS, FlowSpec, PageOptions, REQUEST_FLOWS, RequestFlow } from './page-flows';

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

/**
 * One line of the rules list. `check` lets the page's script tick it off as the person types; a rule
 * without one (common passwords, name or email, history) is only checked when the form is submitted,
 * and its line says so, so that no tick ever claims what nobody has checked.
 */
interface RuleLine {
  text: string;
  check?: { rule: 'minLength' | 'maxLength' | 'class' | 'minClasses'; value: string | number };
}

/**
 * Builds every page from the message catalog and the templates (src/core/views/templates/pages). Pure: the
 * caller chooses the language and passes what the page shows. `base` is the path of PUBLIC_URL ('' at
 * the root), so links and assets work behind a proxy that serves the service under a prefix. `options`
 * (pageOptions(config)) are needed by the forms; without them only failure pages can be built (the
 * PagePresenter's use).
 */
export class PageViews {
  constructor(private readonly base: string, private readonly options: PageOptions | null = null) {}

  /**
   * Step 1: the secret. The page's script fills it in from the link's fragment and continues at once.
   * A person is asked to type a short code; a long one (an invitation token, a D4 code) to open the
   * link again, or paste it.
   */
  codeForm(spec: FlowSpec, m: Messages, error?: string): PageResponse {
    return this.render(error ? 400 : 200, 'pages/code', m, {
      title: m.t(spec.title), lead: m.t(this.opts().typed[spec.flow] ? spec.enterCode : 'code.paste.lead'), action: this.url(spec.path), codeField: spec.codeField,
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

  /** The password is set: say so, and link to where the person signs in when the account or SIGN_IN_URL names it. */
  done(spec: FlowSpec, m: Messages, accountName: string | null, signInUrl: string | null = null): PageResponse {
    return this.message(200, m, {
      tone: 'success', title: m.t(spec.doneTitle), paragraphs: [m.t(spec.doneBody)], account: accountName,
      action: signInUrl ? { href: signInUrl, label: m.t('done.signIn') } : undefined,
    });
  }

  /** "This link has expired or was already used", with the way to a new one. */
  expired(spec: FlowSpec, m: Messages): PageResponse {
    return this.message(400, m, {
      tone: 'error', title: m.t('expired.title'), paragraphs: [m.t(spec.expiredBody)],
      // A reset asks for a new email; an invitation or sign-up may simply have been used already: reset.
      action: spec.requestNew ? { href: this.url(spec.requestNew), label: m.t('reset.requestNew') } : { href: this.url(REQUEST_FLOWS.forgot.path), label: m.t('alreadySet.action') },
    });
  }

  /**
   * "Forgot password" or account recovery: what the page is for and how it differs from the other (a
   * short code to type, or a link that works longer), the address field, and the page for a code
   * already received when that code can be typed.
   */
  requestForm(flow: RequestFlow, m: Messages, email = '', error?: string): PageResponse {
    const f = REQUEST_FLOWS[flow];
    const { typed, expiryMs } = this.opts();
    const other = REQUEST_FLOWS[f.other];
    const toOther = !f.toOtherNeedsTypedCode || typed[other.codeFlow] ? { href: this.url(other.path), label: m.t(f.toOther, { expiry: m.duration(expiryMs[f.other]) }) } : null;
    return this.render(error ? 400 : 200, 'pages/email', m, {
      title: m.t(f.title), intro: m.t(typed[f.codeFlow] ? f.intro : f.introLinkOnly, { expiry: m.duration(expiryMs[flow]) }), action: this.url(f.path), email, error,
      submit: m.t(f.submit), haveCode: typed[f.codeFlow] ? this.url(f.codePage) : null, toOther,
    });
  }

  /**
   * "Check your email", said whether or not the address is registered (SECURITY.md C1), with the form
   * that sends another email to the same address: the page's script shows it once the cool-down has
   * passed (without script it is there at once; the per-address mail cap applies either way).
   */
  sent(flow: RequestFlow, m: Messages, email: string, expiryMs: number): PageResponse {
    const f = REQUEST_FLOWS[flow];
    const { typed, resendCooldownSeconds } = this.opts();
    return this.render(200, 'pages/sent', m, {
      title: m.t('sent.title'), body: m.t('sent.body', { email, expiry: m.duration(expiryMs) }),
      wait: m.t('sent.wait', { wait: m.duration(resendCooldownSeconds * 1000) }), ready: m.t('sent.ready'), cooldown: resendCooldownSeconds,
      action: this.url(f.path), email, haveCode: typed[f.codeFlow] ? this.url(f.codePage) : null,
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

  private opts(): PageOptions {
    if (!this.options) throw new Error('PageViews: the forms need pageOptions(config); this instance renders failures only');
    return this.options;
  }
}

/** The account's rules in the reader's words, each with what the page's script needs to check it. */
export function policyRules(m: Messages, p: PasswordPolicy, mode: 'initial' | 'replace'): RuleLine[] {
  const lines: RuleLine[] = [{ text: m.t('rules.minLength', { min: p.minLength }), check: { rule: 'minLength', value: p.minLength } }];
  lines.push({ text: m.t('rules.maxLength', { max: p.maxLength }), check: { rule: 'maxLength', value: p.maxLength } });
  for (const cls of p.requiredClasses) lines.push({ text: m.t(`rules.class.${cls}`), check: { rule: 'class', value: cls } });
  if (p.minClasses > 0) lines.push({ text: m.t('rules.minClasses', { min: p.minClasses }), check: { rule: 'minClasses', value: p.minClasses } });
  // Checked on submit only (a list, the person's details, the history): said on the line itself.
  const onSubmit = (text: string) => `${text} ${m.t('rules.onSubmit')}`;
  if (p.rejectCommon) lines.push({ text: onSubmit(m.t('rules.common')) });
  if (p.rejectUserInfo) lines.push({ text: onSubmit(m.t('rules.userInfo')) });
  if (p.historySize > 0 && mode === 'replace') lines.push({ text: onSubmit(m.t('rules.history', { size: p.historySize })) });
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
