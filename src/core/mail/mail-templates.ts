/**
 * The emails the service sends, written for the person who receives them. Pure functions: no I/O, no
 * configuration lookups, no clock.
 *
 * Every sentence comes from the message catalog (src/core/messages), in the reader's language; the HTML
 * part is rendered by the shared template engine (src/core/views/templates/emails, escaping on), the text
 * part is built here from the same sentences. A message that carries a secret has, in this order:
 * what happened, the link as the main action, the secret on a line of its own as `Code: <value>`
 * (wrapped in the HTML part, so a 76-character D4 code never overflows), when it expires in words,
 * and what to do if it was not them. Only a secret a person can type (TYPED_SECRET_MAX_LENGTH) is
 * offered for typing in; a longer one (an invitation token, a D4 code) is offered for pasting only. The link is built by the caller (SecretLinks: PUBLIC_URL or the
 * account's own template, never the request's Host, SECURITY.md C7); the service's own pages carry the
 * secret in the fragment, so it never reaches a server log or a Referer (C8). No email carries a
 * password or a hash, and none tells a person how to call the API.
 *
 * Interpolated values (account and first names) are flattened to one line first, so a hostile name
 * cannot forge a `Code:` line or a link in the text part; the HTML part escapes them.
 */
import type { Locale } from '../../ground/common/locale';
import { Messages, messagesFor, MessageKey } from '../messages/messages';
import { renderView } from '../views/views';

export interface MailContent {
  /** Template name, stored in the outbox and logged ("invitation", "password-changed", ...). */
  kind: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * The longest secret a person is asked to type in (a D5 code, a sign-up code); a longer one (a D1
 * invitation token, a D4 validation code, a D5 code of RESET_CODE_LENGTH above 12) is only ever pasted,
 * and the link is the way to use it. The pages follow the same line (src/edge/pages).
 */
export const TYPED_SECRET_MAX_LENGTH = 12;

/** True when `length` characters are few enough to ask a person to type them (TYPED_SECRET_MAX_LENGTH). */
export function isTypedSecretLength(length: number): boolean {
  return length <= TYPED_SECRET_MAX_LENGTH;
}

/** Outbox priority (mail_outbox.priority): lower is sent first. */
export const MAIL_PRIORITY = { secret: 0, notice: 1 } as const;

/** The kinds that carry no secret (passwordChangedMail). Every other kind carries a code, token or link. */
const NOTICE_KINDS: ReadonlySet<string> = new Set(['password-set', 'password-changed', 'password-expiry-warning']);

/**
 * The one place a message's send order is decided, from its kind: a message carrying a secret (a
 * code, invitation, verification, reset or recovery link) goes before every notice, so a burst of
 * "password changed" notices never delays a code someone is waiting for. An unknown kind counts as
 * carrying a secret: a new notice sent early costs nothing, a new code sent late does.
 */
export function mailPriority(kind: string): number {
  return NOTICE_KINDS.has(kind) ? MAIL_PRIORITY.notice : MAIL_PRIORITY.secret;
}

interface LocalizedMail {
  /** The reader's language (users.locale); English when unset. */
  locale?: Locale | string | null;
}

export interface InvitationMailInput extends LocalizedMail {
  accountName: string | null;
  token: string;
  /** The link that opens the page for this token (src/core/mail/secret-links.ts). */
  link: string;
  ttlHours: number;
  firstName?: string | null;
}

export interface CodeMailInput extends LocalizedMail {
  code: string;
  /** The link that opens the page for this code (src/core/mail/secret-links.ts). */
  link: string;
  ttlMinutes: number;
  /** The reader's first name, for the greeting ("Hello Ada,"); "Hello," without one. */
  firstName?: string | null;
}

export type EmailVerificationMailInput = CodeMailInput;

export interface PasswordChangedMailInput extends LocalizedMail {
  publicUrl: string;
  changedAt: Date;
  /** True when the account had no password before: the notice says "set", not "changed". */
  first?: boolean;
  firstName?: string | null;
  /** The account's change-password address (`links.change_password`); unset: the service's reset page. */
  changePasswordUrl?: string | null;
}

export interface ExpiryWarningMailInput extends LocalizedMail {
  publicUrl: string;
  expiresAt: Date;
  /** Whole days left, rounded up. */
  daysLeft: number;
  firstName?: string | null;
  /** The account's change-password address (`links.change_password`); unset: the service's reset page. */
  changePasswordUrl?: string | null;
}

/** What a message carrying a one-time secret says, in the order it says it (already in the reader's words). */
interface SecretMailParts {
  kind: string;
  m: Messages;
  subject: string;
  greeting: string;
  intro: string;
  action: string;
  link: string;
  code: string;
  expiry: string;
  notYou: string;
}

function secretMail(p: SecretMailParts): MailContent {
  const code = secret(p.code);
  const subject = oneLine(p.subject);
  // A short code may be typed in on the page; a long one is pasted, and the link comes first.
  const typed = isTypedSecretLength(code.length);
  const codeLead = p.m.t(typed ? 'mail.codeLead' : 'mail.codeLead.paste');
  const linkLead = p.m.t(typed ? 'mail.linkLead' : 'mail.linkLead.first');
  return {
    kind: p.kind,
    subject,
    text: textBody(p.m, [p.greeting, '', p.intro, '', `${p.action}:`, p.link, '', codeLead, `Code: ${code}`, '', p.expiry, '', p.notYou]),
    html: renderView('emails/secret', {
      m: p.m, base: '', subject, greeting: p.greeting, intro: p.intro, action: p.action, link: p.link, codeLead, code, linkLead, linkFirst: !typed, expiry: p.expiry, notYou: p.notYou,
    }),
  };
}

/** D1: the invitation carrying the one-time set-password token. */
export function invitationMail(i: InvitationMailInput): MailContent {
  const m = messagesFor(i.locale);
  const account = oneLine(i.accountName);
  return secretMail({
    kind: 'invitation',
    m,
    subject: account ? m.t('mail.invitation.subject.account', { account }) : m.t('mail.invitation.subject'),
    greeting: greeting(m, i.firstName),
    intro: account ? m.t('mail.invitation.intro.account', { account }) : m.t('mail.invitation.intro'),
    action: m.t('mail.invitation.action'),
    link: i.link,
    code: i.token,
    expiry: m.t('mail.invitation.expiry', { expiry: m.duration(i.ttlHours * 3_600_000) }),
    notYou: m.t('mail.invitation.notYou'),
  });
}

/** Sign-up: the code that verifies the address and opens the D2 "choose a password" step. */
export function emailVerificationMail(i: EmailVerificationMailInput): MailContent {
  const m = messagesFor(i.locale);
  return secretMail({
    kind: 'email-verification',
    m,
    subject: m.t('mail.verification.subject'),
    greeting: greeting(m, i.firstName),
    intro: m.t('mail.verification.intro'),
    action: m.t('mail.verification.action'),
    link: i.link,
    code: i.code,
    expiry: m.t('mail.verification.expiry', { expiry: m.duration(i.ttlMinutes * 60_000) }),
    notYou: m.t('mail.verification.notYou'),
  });
}

/** D4: the validation code that resets the password (and signs the person in). */
export function recoveryMail(i: CodeMailInput): MailContent {
  return resetMail('recovery', 'mail.recovery.subject', 'mail.recovery.intro', i);
}

/** D5: the reset code. */
export function resetCodeMail(i: CodeMailInput): MailContent {
  return resetMail('reset-code', 'mail.reset.subject', 'mail.reset.intro', i);
}

function resetMail(kind: string, subjectKey: MessageKey, introKey: MessageKey, i: CodeMailInput): MailContent {
  const m = messagesFor(i.locale);
  return secretMail({
    kind,
    m,
    subject: m.t(subjectKey),
    greeting: greeting(m, i.firstName),
    intro: m.t(introKey),
    action: m.t('mail.reset.action'),
    link: i.link,
    code: i.code,
    expiry: m.t('mail.reset.expiry', { expiry: m.duration(i.ttlMinutes * 60_000) }),
    notYou: m.t('mail.reset.notYou'),
  });
}

/**
 * The notice sent after every credential change (SECURITY.md D4): no secret, a first password is
 * "set" and later ones "changed", and a line telling the person what to do if it was not them, with a
 * link to the service's "forgot password" page.
 */
export function passwordChangedMail(i: PasswordChangedMailInput): MailContent {
  const m = messagesFor(i.locale);
  const when = m.dateTime(i.changedAt);
  const subject = m.t(i.first ? 'mail.set.subject' : 'mail.changed.subject');
  const parts = {
    greeting: greeting(m, i.firstName),
    intro: m.t(i.first ? 'mail.set.intro' : 'mail.changed.intro', { when }),
    ok: m.t('mail.changed.ok'),
    notYou: m.t('mail.changed.notYou'),
    // Someone else who changed it is the case to act on: the reset page, which needs no password.
    action: m.t('mail.changed.action'),
    link: resetPage(i.publicUrl),
    // And the account's own change address when it has one (CONTRACT.md "Third round").
    changeAction: i.changePasswordUrl ? m.t('mail.changed.changeAction') : null,
    changeLink: i.changePasswordUrl ?? null,
    noSecret: m.t('mail.changed.noSecret'),
  };
  return {
    kind: i.first ? 'password-set' : 'password-changed',
    subject,
    text: textBody(m, [
      parts.greeting, '', parts.intro, parts.ok, '', parts.notYou, `${parts.action}:`, parts.link, '',
      ...(parts.changeLink ? [`${parts.changeAction}:`, parts.changeLink, ''] : []), parts.noSecret,
    ]),
    html: renderView('emails/notice', { m, base: '', subject, ...parts }),
  };
}

/**
 * The warning before a password expires (PASSWORD_EXPIRY_WARNING_DAYS): when, how many days are left,
 * and the way to change it now (the account's change address, else the reset page). No secret.
 */
export function passwordExpiryWarningMail(i: ExpiryWarningMailInput): MailContent {
  const m = messagesFor(i.locale);
  const days = m.duration(i.daysLeft * 86_400_000);
  const subject = m.t('mail.expiry.subject', { days });
  const parts = {
    greeting: greeting(m, i.firstName),
    intro: m.t('mail.expiry.intro', { when: m.dateTime(i.expiresAt), days }),
    ok: m.t('mail.expiry.next'),
    notYou: m.t('mail.expiry.notYou'),
    action: m.t('mail.changed.changeAction'),
    link: changeLink(i),
    noSecret: m.t('mail.changed.noSecret'),
  };
  return {
    kind: 'password-expiry-warning',
    subject,
    text: textBody(m, [parts.greeting, '', parts.intro, parts.ok, '', `${parts.action}:`, parts.link, '', parts.notYou, '', parts.noSecret]),
    html: renderView('emails/notice', { m, base: '', subject, ...parts }),
  };
}

/** Where a notice sends the person to change the password: the account's address, else the reset page. */
function changeLink(i: { publicUrl: string; changePasswordUrl?: string | null }): string {
  return i.changePasswordUrl ?? resetPage(i.publicUrl);
}

/** The service's "forgot password" page, which mails a reset code (D5). */
function resetPage(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/forgot-password`;
}

// --- helpers ---------------------------------------------------------------------------------

/** Escapes a value for HTML text and attribute context (for HTML built outside the templates). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Control characters (including line/paragraph separators) become spaces; the result is trimmed. */
function oneLine(value: string | null | undefined, max = 200): string {
  if (value == null) return '';
  // eslint-disable-next-line no-control-regex
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return [...flat].slice(0, max).join('');
}

/** Secrets are generated by the service; one with whitespace would not survive `Code: <value>`. */
function secret(value: string): string {
  if (typeof value !== 'string' || value.length === 0 || /[\s\u0000-\u001f\u007f-\u009f]/.test(value)) {
    throw new Error('mail secret must be a non-empty string without whitespace or control characters');
  }
  return value;
}

function greeting(m: Messages, firstName: string | null | undefined): string {
  const name = oneLine(firstName, 100);
  return name ? m.t('mail.greeting.name', { name }) : m.t('mail.greeting');
}

function textBody(m: Messages, lines: string[]): string {
  return [...lines, '', '-- ', m.t('mail.footer')].join('\n') + '\n';
}
