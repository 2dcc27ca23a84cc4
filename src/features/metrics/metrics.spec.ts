import type { Request } from 'express';
import { PasswordHasher } from '../../core/password/password-hasher';
import { budgetOfLimitKey } from '../../ground/common/metrics';
import { UNMATCHED_ROUTE } from './app-metrics';
import { routeTemplate } from './http-metrics.middleware';
import { presentsMetricsToken } from './metrics-token';

describe('metrics helpers', () => {
  it('labels limits by budget, never by their key (which carries addresses and target hashes)', () => {
    expect(budgetOfLimitKey('login:fail:target:abc')).toBe('login');
    expect(budgetOfLimitKey('login:fail:ip:10.0.0.1')).toBe('login');
    expect(budgetOfLimitKey('oauth:fail:client:x')).toBe('oauth');
    expect(budgetOfLimitKey('verify:fail:global')).toBe('verification');
    expect(budgetOfLimitKey('pr:d5:fail:ip:10.0.0.1')).toBe('reset');
    expect(budgetOfLimitKey('pr:request:ip:10.0.0.1')).toBe('reset_request');
    expect(budgetOfLimitKey('pr:mail:ref')).toBe('reset_request');
    expect(budgetOfLimitKey('admin:invitation:0f1e2d3c')).toBe('invitation_resend');
    expect(budgetOfLimitKey('something:else')).toBe('other');
  });

  it('takes the route template, "unmatched" without a route or for a catch-all', () => {
    const req = (route?: { path: unknown }, baseUrl = '') => ({ route, baseUrl }) as unknown as Request;
    expect(routeTemplate(req({ path: '/users/:id' }))).toBe('/users/:id');
    expect(routeTemplate(req({ path: '/' }))).toBe('/');
    expect(routeTemplate(req({ path: '/:id' }, '/v1'))).toBe('/v1/:id');
    expect(routeTemplate(req())).toBe(UNMATCHED_ROUTE);
    expect(routeTemplate(req({ path: '/{*path}' }))).toBe(UNMATCHED_ROUTE);
    expect(routeTemplate(req({ path: /regex/ }))).toBe(UNMATCHED_ROUTE);
  });

  it('accepts only "Bearer <token>" with the configured token; nothing when none is configured', () => {
    const token = 'metrics-token-0123456789';
    expect(presentsMetricsToken(`Bearer ${token}`, token)).toBe(true);
    expect(presentsMetricsToken(`bearer ${token}`, token)).toBe(true);
    expect(presentsMetricsToken(`Bearer ${token}x`, token)).toBe(false);
    expect(presentsMetricsToken(`Bearer ${token.slice(0, -1)}`, token)).toBe(false);
    expect(presentsMetricsToken(token, token)).toBe(false);
    expect(presentsMetricsToken(`Basic ${token}`, token)).toBe(false);
    expect(presentsMetricsToken(undefined, token)).toBe(false);
    expect(presentsMetricsToken(`Bearer ${token}`, null)).toBe(false);
  });

  it('PasswordHasher counts hashes in progress and tells the observer each one\'s time', async () => {
    const hasher = new PasswordHasher({ cost: 4 });
    const seen: string[] = [];
    hasher.observe((algorithm, operation, seconds) => seen.push(`${algorithm} ${operation} ${seconds > 0}`));
    const running = [hasher.hash('Correct-Horse-1'), hasher.hash('Correct-Horse-2'), hasher.verifyAgainstDummy('x')];
    expect(hasher.queueDepth).toBe(2); // the dummy compare starts once its dummy hash exists
    const [stored] = await Promise.all(running);
    expect(await hasher.verify('Correct-Horse-1', stored as { hash: string; algorithm: string })).toBe(true);
    expect(hasher.queueDepth).toBe(0);
    expect(seen.sort()).toEqual(['bcrypt-sha384 hash true', 'bcrypt-sha384 hash true', 'bcrypt-sha384 verify true', 'bcrypt-sha384 verify true']);
  });
});
