/**
 * The opaque paging cursor of `GET /audit-events`: the (at, id) of the last event of a page,
 * base64url-encoded. Keyset paging on (at DESC, id DESC) never skips or repeats an event, however
 * many are written meanwhile (new ones are newer than any cursor).
 */
export interface AuditCursor {
  atMs: number;
  id: string;
}

const DECODED = /^(\d{1,15}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function encodeAuditCursor(c: AuditCursor): string {
  return Buffer.from(`${c.atMs}:${c.id}`, 'utf8').toString('base64url');
}

/** The cursor, or null when `raw` is not one this service issued (bad base64url, wrong shape). */
export function decodeAuditCursor(raw: string): AuditCursor | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(raw)) return null;
  const match = DECODED.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (!match) return null;
  const atMs = Number(match[1]);
  return Number.isSafeInteger(atMs) ? { atMs, id: match[2] } : null;
}
