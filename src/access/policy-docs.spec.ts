import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIONS, type Action, type ActionRule } from './policy';

/** README "Authorization: one policy, no escalation" prints the policy table: it must say what the code decides. */
describe('README policy table', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Authorization: one policy, no escalation'));
  // | `action` | routes | credential | `scope` | also | checks |
  const rows = new Map(
    section.split('\n').filter((line) => /^\| `[a-zA-Z.]+` \|/.test(line))
      .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim().replace(/^`|`$/g, '')))
      .map(([action, , credential, scope, also, checks]) => [action, { credential, scope: scope || undefined, also, checks }] as const),
  );

  it('has one row per action, with its credential, scope, own-user rule and checks (not above, unbound callers only)', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(ACTIONS).sort());
    for (const [action, rule] of Object.entries(ACTIONS) as Array<[Action, ActionRule]>) {
      const { credential, scope, also, checks } = rows.get(action)!;
      expect([action, credential, scope]).toEqual([action, rule.credential, rule.scope]);
      expect([action, also.includes('never its own user')]).toEqual([action, rule.notSelf === true]);
      expect([action, checks.includes('not above')]).toEqual([action, rule.notAbove === true]);
      expect([action, checks.includes('unbound callers only')]).toEqual([action, rule.globalOnly === true]);
    }
  });
});
