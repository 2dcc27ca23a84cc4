import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor';

describe('audit cursor', () => {
  const sut = { at: 1_764_526_895_123, id: '5b2e0f7a-1c3d-4e5f-8a9b-0c1d2e3f4a5b' };

  it('round-trips (at, id) through an opaque base64url string', () => {
    const raw = encodeAuditCursor({ atMs: sut.at, id: sut.id });
    expect(raw).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeAuditCursor(raw)).toEqual({ atMs: sut.at, id: sut.id });
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not a cursor', Buffer.from('hello').toString('base64url')],
    ['a time that is not a number', Buffer.from(`x:${sut.id}`).toString('base64url')],
    ['an id that is not a UUID', Buffer.from(`${sut.at}:' OR 1=1 --`).toString('base64url')],
    ['extra text after the id', Buffer.from(`${sut.at}:${sut.id}:1`).toString('base64url')],
    ['too long', 'A'.repeat(201)],
  ])('G3 refuses %s (null, so the service answers 400)', (_name, raw) => {
    expect(decodeAuditCursor(raw)).toBeNull();
  });
});
