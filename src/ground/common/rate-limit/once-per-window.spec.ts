import { OncePerWindow } from './once-per-window';

describe('OncePerWindow (one audit event per limit and window)', () => {
  it('reports a key once per window, and again in the next window', () => {
    const sut = new OncePerWindow();
    expect(sut.first('k', 0, 1_000)).toBe(true);
    expect(sut.first('k', 500, 1_000)).toBe(false);
    expect(sut.first('other', 500, 1_000)).toBe(true);
    expect(sut.first('k', 1_200, 2_000)).toBe(true);
  });

  it('firstUntil reports again only after the remembered time', () => {
    const sut = new OncePerWindow();
    expect(sut.firstUntil('k', 0, 1_000)).toBe(true);
    expect(sut.firstUntil('k', 999, 2_000)).toBe(false);
    expect(sut.firstUntil('k', 1_000, 2_000)).toBe(true);
  });

  it('stays bounded: past its capacity the oldest entries are forgotten', () => {
    const sut = new OncePerWindow(10);
    for (let i = 0; i < 100; i++) sut.first(`k${i}`, 0, 10_000);
    expect(sut.first('k0', 1, 10_000)).toBe(true);
    expect(sut.first('k99', 1, 10_000)).toBe(false);
  });
});
