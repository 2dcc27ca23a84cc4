import { shortRef } from './recovery-request.service';

describe('shortRef (the keyed hash of an address in a recovery log line)', () => {
  it('I2 keeps 16 hex digits of the hash itself, not the key id every address shares', () => {
    const a = shortRef('lkp-3QX52UZxz2nL:0f1e2d3c4b5a69788796a5b4c3d2e1f0aa');
    const b = shortRef('lkp-3QX52UZxz2nL:9a8b7c6d5e4f30211203f4e5d6c7b8a9bb');
    expect([a, b]).toEqual(['0f1e2d3c4b5a6978', '9a8b7c6d5e4f3021']);
  });

  it('takes a legacy hash without a key id from its start', () => {
    expect(shortRef('0f1e2d3c4b5a69788796a5b4c3d2e1f0')).toBe('0f1e2d3c4b5a6978');
  });
});
