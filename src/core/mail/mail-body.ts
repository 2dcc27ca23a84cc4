import { SecretKeys } from '../../ground/common/secrets';

/** What the outbox keeps sealed (AES-GCM) until the message is sent: the parts that may carry a code. */
export interface MailBody {
  text: string;
  html: string;
}

export function sealMailBody(secrets: SecretKeys, body: MailBody): string {
  return secrets.seal(JSON.stringify({ v: 1, text: body.text, html: body.html }));
}

export function openMailBody(secrets: SecretKeys, sealed: string): MailBody {
  const parsed = JSON.parse(secrets.open(sealed)) as { v?: unknown; text?: unknown; html?: unknown };
  if (parsed.v !== 1 || typeof parsed.text !== 'string' || typeof parsed.html !== 'string') throw new Error('unexpected mail body format');
  return { text: parsed.text, html: parsed.html };
}

/** The part of an address after the last '@', lower-cased: the most of a recipient the logs ever show. */
export function recipientDomain(address: string): string {
  const at = address.lastIndexOf('@');
  return at >= 0 ? address.slice(at + 1).toLowerCase() : '?';
}

/** How a message is named in logs: id, kind and the recipient's domain, never the local part or the body. */
export function mailLogRef(message: { id: string; kind: string; recipient: string }): string {
  return `mail ${message.id} (${message.kind}) to …@${recipientDomain(message.recipient)}`;
}

/** Reduces every email address in a string (an SMTP error, say) to its domain. */
export function redactAddresses(value: string): string {
  return value.replace(/[^\s<>()[\]"',;:@]+@([A-Za-z0-9.-]+)/g, '…@$1');
}
