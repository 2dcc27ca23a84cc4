import { PasswordPolicyError } from '../../ground/common/errors/domain-errors';
import { DEFAULT_PASSWORD_POLICY, PasswordPolicy } from './password-policy';
import { PasswordLifecycleService } from './password-lifecycle.service';
import type { StoredPasswordHash } from './password-hasher';

/** A hasher whose every operation waits until the test releases it, recording what was started. */
class GatedHasher {
  readonly started: string[] = [];
  private readonly gates: Array<() => void> = [];

  hash(password: string): Promise<StoredPasswordHash> {
    this.started.push('hash');
    return this.gate().then(() => ({ hash: `hashed:${password}`, algorithm: 'test' }));
  }

  verify(password: string, stored: StoredPasswordHash): Promise<boolean> {
    this.started.push(`verify:${stored.hash}`);
    return this.gate().then(() => stored.hash === `hashed:${password}`);
  }

  /** Lets every operation started so far finish. */
  releaseAll(): void {
    this.gates.splice(0).forEach((open) => open());
  }

  private gate(): Promise<void> {
    return new Promise((resolve) => this.gates.push(resolve));
  }
}

const STOP = new Error('stop before the transaction');
const flush = () => new Promise((resolve) => setImmediate(resolve));

function serviceWith(hasher: GatedHasher, history: string[], policy: Partial<PasswordPolicy>) {
  const user = { id: 'u1', accountId: 'a1', email: 'ann@example.com', firstName: 'Ann', isActive: true };
  const service = new PasswordLifecycleService(
    { findOneBy: async () => user } as never,
    { find: async () => history.map((hash) => ({ hash, algorithm: 'test' })) } as never,
    { subject: async () => ({ user, credential: null, policy: { ...DEFAULT_PASSWORD_POLICY, ...policy } }) } as never,
    hasher as never,
    {} as never,
    { now: () => new Date() } as never,
    { run: async () => { throw STOP; } } as never,
    {} as never,
  );
  return service;
}

describe('PasswordLifecycleService.setPassword (history and hash overlap, SECURITY.md A13)', () => {
  const history = Array.from({ length: 5 }, (_, i) => `hashed:Old-Password-${i}!`);

  it('starts the new hash together with the history compares, not after them', async () => {
    const hasher = new GatedHasher();
    const setting = serviceWith(hasher, history, { historySize: 5 }).setPassword({ userId: 'u1', password: 'New-Password-9!', mode: 'initial', via: 'D3' });
    await flush();
    expect(hasher.started).toHaveLength(6);
    expect(hasher.started).toContain('hash');
    hasher.releaseAll();
    await expect(setting).rejects.toBe(STOP);
  });

  it('refuses a password in the history with the history violation, the early hash thrown away', async () => {
    const hasher = new GatedHasher();
    const setting = serviceWith(hasher, history, { historySize: 5 }).setPassword({ userId: 'u1', password: 'Old-Password-3!', mode: 'initial', via: 'D3' });
    await flush();
    expect(hasher.started).toContain('hash'); // the early hash was started; the refusal below never reaches the transaction that would store it
    hasher.releaseAll();
    const error = await setting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PasswordPolicyError);
    expect((error as PasswordPolicyError).violations).toEqual([{ rule: 'history', size: 5 }]);
  });

  it('hashes nothing for a password the cheap rules refuse, and still reports the history rule with them', async () => {
    const hasher = new GatedHasher();
    const setting = serviceWith(hasher, ['hashed:short'], { historySize: 5 }).setPassword({ userId: 'u1', password: 'short', mode: 'initial', via: 'D3' });
    await flush();
    expect(hasher.started).toEqual(['verify:hashed:short']);
    hasher.releaseAll();
    const error = (await setting.catch((e: unknown) => e)) as PasswordPolicyError;
    expect(error).toBeInstanceOf(PasswordPolicyError);
    expect(error.violations.map((v) => v.rule)).toContain('history');
    expect(error.violations.length).toBeGreaterThan(1);
  });
});
