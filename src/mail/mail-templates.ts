/**
 * The emails the service sends. Pure functions: no I/O, no configuration lookups, no clock.
 *
 * Every message has a text part and an HTML part. A secret (token or code) stands in the text part
 * on a line of its own, exactly `Code: <value>`, and in a ready link the caller built with SecretLinks
 * from the configured templates (never from request headers, SECURITY.md C7; by default the secret is
 * in the URL fragment so it never reaches a server log or a Referer header, C8). No email ever carries
 * a password or a hash (C8).
 *
 * Interpolated values are HTML-escaped in the HTML part; in the text part line breaks and other
 * control characters are flattened, so a hostile name cannot forge a `Code:` line or a link.
 */

export interface MailContent {
  /** Template name, stored in the outbox and logged ("invitation", "password-changed", ...). */
  kind: string;
  subject: string;
  text: string;
  html: string;
}

export interface InvitationMailInput {
  accountName: string | null;
  token: string;
  /** The link carrying the token (SecretLinks.build('invitation', …)). */
  link: string;
  ttlHours: number;
  firstName?: string | null;
  /** The recipient's language (SUPPORTED_LOCALES); not used yet. */
  locale?: string | null;
}

export interface CodeMailInput {
  code: string;
  /** The link carrying the code (SecretLinks.build(…)). */
  link: string;
  ttlMinutes: number;
  /** The recipient's language (SUPPORTED_LOCALES); not used yet. */
  locale?: string | null;
}

export interface EmailVerificationMailInput extends CodeMailInput {
  firstName?: string | null;
}

export interface PasswordChangedMailInput {
  publicUrl: string;
  changedAt: Date;
}

/** What a message carrying a one-time secret says, in the order it says it. */
interface SecretMailParts {
  kind: string;
  subject: string;
  /** The HTML document's title. */
  title: string;
  greeting: string;
  intro: string;
  /** A line of the text part leading into the bare link (the HTML part shows a button instead). */
  linkLead?: string;
  link: string;
  buttonLabel: string;
  /** The line before `Code: <value>`, such as "Or use this reset code:". */
  codeLabel: string;
  code: string;
  /** Paragraphs after the code: how an application redeems it, when it expires, what to do if unexpected. */
  api: string;
  expiry: string;
  ignore: string;
}

/** Text and HTML parts of a message that carries a one-time secret, both from the same parts. */
function secretMail(m: SecretMailParts): MailContent {
  const code = secret(m.code);
  return {
    kind: m.kind,
    subject: subject(m.subject),
    text: textBody([m.greeting, '', m.intro, ...(m.linkLead ? ['', m.linkLead] : []), m.link, '', m.codeLabel, `Code: ${code}`, '', m.api, m.expiry, '', m.ignore]),
    html: htmlBody(m.title, [
      p(esc(m.greeting)),
      p(esc(m.intro)),
      p(button(m.link, m.buttonLabel)),
      codeBlock(code),
      p(esc(m.api)),
      p(esc(m.expiry)),
      p(esc(m.ignore)),
    ]),
  };
}

/** D1: the invitation carrying the one-time set-password token. */
export function invitationMail(i: InvitationMailInput): MailContent {
  const account = clean(i.accountName);
  return secretMail({
    kind: 'invitation',
    subject: account ? `You have been invited to ${account}` : 'You have been invited',
    title: account ? `Invitation to ${account}` : 'Invitation',
    greeting: greeting(i.firstName),
    intro: account
      ? `You have been invited to the account "${account}". Choose a password to activate your sign-in.`
      : 'You have been invited. Choose a password to activate your sign-in.',
    linkLead: 'Choose your password here:',
    link: i.link,
    buttonLabel: 'Choose your password',
    codeLabel: 'Or use this one-time code:',
    code: i.token,
    api: 'An application can instead send the code with the new password to POST /accounts/set-password as {"token": "<code>", "password": "<new password>"}.',
    expiry: `The invitation expires in ${duration(i.ttlHours, 'hour')} and works once.`,
    ignore: 'If you were not expecting this invitation, ignore this email: nothing happens until a password is chosen.',
  });
}

/** Sign-up: the code exchanged at POST /auth/verify-email for the D2 verification JWT. */
export function emailVerificationMail(i: EmailVerificationMailInput): MailContent {
  return secretMail({
    kind: 'email-verification',
    subject: 'Verify your email address',
    title: 'Verify your email address',
    greeting: greeting(i.firstName),
    intro: 'Confirm your email address to finish signing up.',
    linkLead: 'Verify here:',
    link: i.link,
    buttonLabel: 'Verify my email address',
    codeLabel: 'Or use this code:',
    code: i.code,
    api: 'An application can instead send the code to POST /auth/verify-email as {"code": "<code>"}.',
    expiry: `The code expires in ${duration(i.ttlMinutes, 'minute')} and works once.`,
    ignore: 'If you did not sign up, ignore this email.',
  });
}

const NOT_REQUESTED = 'If you did not ask for this, ignore this email: your password has not been changed.';

/** D4: the validation code redeemed at POST /api/v2/account/reset/ (the user is then logged in). */
export function recoveryMail(i: CodeMailInput): MailContent {
  return secretMail({
    kind: 'recovery',
    subject: 'Recover your account',
    title: 'Recover your account',
    greeting: 'Hello,',
    intro: 'Someone asked to recover the account for this email address. Choose a new password here:',
    link: i.link,
    buttonLabel: 'Choose a new password',
    codeLabel: 'Or use this validation code:',
    code: i.code,
    api: 'An application can instead send the code with the new password to POST /api/v2/account/reset/ as {"validation_code": "<code>", "password": "<new password>"}.',
    expiry: `The code expires in ${duration(i.ttlMinutes, 'minute')} and works once.`,
    ignore: NOT_REQUESTED,
  });
}

/** D5: the reset code redeemed at POST /v1/auth/password-reset/reset. */
export function resetCodeMail(i: CodeMailInput): MailContent {
  return secretMail({
    kind: 'reset-code',
    subject: 'Your password reset code',
    title: 'Your password reset code',
    greeting: 'Hello,',
    intro: 'Someone asked to reset the password for this email address. Choose a new password here:',
    link: i.link,
    buttonLabel: 'Choose a new password',
    codeLabel: 'Or use this reset code:',
    code: i.code,
    api: 'An application can instead send the code with the new password to POST /v1/auth/password-reset/reset as {"code": "<code>", "new_password": "<new password>"}.',
    expiry: `The code expires in ${duration(i.ttlMinutes, 'minute')} and works once.`,
    ignore: NOT_REQUESTED,
  });
}

/**
 * The notice sent after every credential change (SECURITY.md D4): no secret, and a line telling the
 * user what to do if the change was not theirs.
 */
export function passwordChangedMail(i: PasswordChangedMailInput): MailContent {
  const when = formatUtc(i.changedAt);
  const resetLink = `${base(i.publicUrl)}/password-reset`;
  const intro = `The password of your account was changed on ${when}.`;
  const ok = 'If you made this change, there is nothing else to do.';
  const notYou =
    'If this was not you, someone else may have access to your account: reset your password now and contact your account administrator or our support team right away to report it.';
  return {
    kind: 'password-changed',
    subject: 'Your password was changed',
    text: textBody(['Hello,', '', intro, ok, '', notYou, resetLink, '', 'For your security this email contains no password and no code.']),
    html: htmlBody('Your password was changed', [
      p('Hello,'),
      p(esc(intro)),
      p(esc(ok)),
      p(`<strong>${esc(notYou)}</strong>`),
      p(button(resetLink, 'Reset my password')),
      p('For your security this email contains no password and no code.'),
    ]),
  };
}

// --- helpers ---------------------------------------------------------------------------------

/** Escapes a value for HTML text and attribute context. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const esc = escapeHtml;

/** Control characters (including line/paragraph separators) become spaces; the result is trimmed. */
function clean(value: string | null | undefined, max = 200): string {
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

function base(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '');
}

function subject(value: string): string {
  return clean(value, 200);
}

function greeting(firstName: string | null | undefined): string {
  const name = clean(firstName, 100);
  return name ? `Hello ${name},` : 'Hello,';
}

function duration(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function textBody(lines: string[]): string {
  return lines.join('\n') + '\n';
}

function p(innerHtml: string): string {
  return `<p style="margin:0 0 16px">${innerHtml}</p>`;
}

function button(href: string, label: string): string {
  return `<a href="${esc(href)}" rel="noreferrer noopener" style="display:inline-block;padding:10px 18px;background:#1f4fd1;color:#ffffff;text-decoration:none;border-radius:4px">${esc(label)}</a>`;
}

function codeBlock(code: string): string {
  return p(`Code: <code style="font-size:20px;letter-spacing:2px;font-weight:bold">${esc(code)}</code>`);
}

function htmlBody(title: string, blocks: string[]): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">',
    `<title>${esc(clean(title))}</title></head>`,
    '<body style="font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1a1a1a;max-width:560px;margin:0 auto;padding:24px">',
    ...blocks,
    '</body></html>',
  ].join('\n');
}
