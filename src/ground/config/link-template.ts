import { ValidateBy, ValidationOptions } from 'class-validator';

/** The emails that carry a secret, and so a link: one URL template each (INVITATION_LINK, …). */
export const LINK_KINDS = ['invitation', 'verification', 'reset', 'recovery'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];
export type LinkTemplates = Record<LinkKind, string>;

/** The placeholder a template carries exactly once; replaced by the URL-encoded secret. */
export const CODE_PLACEHOLDER = '{code}';
export const LINK_TEMPLATE_MAX_LENGTH = 2048;
export const LINK_TEMPLATE_RULE = 'an absolute http(s) URL containing {code} exactly once';

/** The rules of isLinkTemplate in words, for the OpenAPI document. */
export const LINK_TEMPLATE_DESCRIPTION =
  'An absolute http:// or https:// URL of at most 2,048 characters with `{code}` exactly once, after the host (in the path, query or ' +
  'fragment; replaced by the URL-encoded secret); no credentials (`user@`), no white space or control characters, and none of ' +
  'the characters " < > \\ ^ ` { | } besides the placeholder.';

/** isLinkTemplate's character rules as an ECMA-262 pattern (the OpenAPI document's); the validator also parses the URL. */
const URL_CHAR = '[^\\s\\u0000-\\u001F\\u007F-\\u009F"<>\\\\^`{|}]';
export const LINK_TEMPLATE_PATTERN = `^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@\\s\\u0000-\\u001F\\u007F-\\u009F"<>\\\\^\`{|}]+[/?#]${URL_CHAR}*\\{code\\}${URL_CHAR}*$`;

/**
 * True for an absolute http(s) URL with `{code}` exactly once, outside the host (a secret in a host
 * name would be sent to DNS), without credentials, white space, control characters or characters a
 * URL may not carry unescaped (`"<>\\^\`{|}`), at most 2,048 characters.
 */
export function isLinkTemplate(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > LINK_TEMPLATE_MAX_LENGTH) return false;
  if (value.split(CODE_PLACEHOLDER).length !== 2) return false;
  const marker = 'x0code0x';
  const url = plainHttpUrl(value.replace(CODE_PLACEHOLDER, marker));
  // A secret in the host name would be sent to DNS.
  return url !== null && !url.host.includes(marker);
}

export const SIGN_IN_URL_RULE = 'an absolute http(s) URL without {code}';

/**
 * True for the address of a sign-in page (SIGN_IN_URL, an account's `links.sign_in`): the same URL
 * rules as a link template, but nothing to fill in (no `{code}`, no brace at all).
 */
export function isSignInUrl(value: unknown): value is string {
  return typeof value === 'string' && value.length <= LINK_TEMPLATE_MAX_LENGTH && plainHttpUrl(value) !== null;
}

/**
 * The URL when `value` is an absolute http(s) URL with a host, without credentials (they would be
 * mailed to every user), white space, control characters, or characters a URL may not carry as they
 * are (RFC 3986: a mail's text part would show them raw); otherwise null.
 */
function plainHttpUrl(value: string): URL | null {
  // eslint-disable-next-line no-control-regex
  if (!/^https?:\/\//i.test(value) || /[\s\u0000-\u001f\u007f-\u009f]/.test(value) || /["<>\\^`{|}]/.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const ok = (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.username === '' && url.password === '';
  return ok ? url : null;
}

/** The link for one secret: the template with `{code}` replaced by the URL-encoded secret. */
export function fillLinkTemplate(template: string, code: string): string {
  return template.split(CODE_PLACEHOLDER).join(encodeURIComponent(code));
}

/** class-validator: the property is a link template (see isLinkTemplate); the message names the property. */
export function IsLinkTemplate(options: ValidationOptions = {}): PropertyDecorator {
  return ValidateBy(
    { name: 'isLinkTemplate', validator: { validate: (value) => isLinkTemplate(value) } },
    { message: `$property must be ${LINK_TEMPLATE_RULE}`, context: { params: { format: `link template (${LINK_TEMPLATE_RULE})` } }, ...options },
  );
}

/** class-validator: the property is a sign-in address (see isSignInUrl); the message names the property. */
export function IsSignInUrl(options: ValidationOptions = {}): PropertyDecorator {
  return ValidateBy(
    { name: 'isSignInUrl', validator: { validate: (value) => isSignInUrl(value) } },
    { message: `$property must be ${SIGN_IN_URL_RULE}`, context: { params: { format: `sign-in address (${SIGN_IN_URL_RULE})` } }, ...options },
  );
}

/** An account's own templates: a kind left out (or null) takes the configured one. */
export type LinkOverrides = Partial<Record<LinkKind, string | null>>;
