import { AccountSignInUrl1764420000000 } from '../../src/ground/database/migrations/1764420000000-account-sign-in-url';
import { extractCode, SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase, useMigratedDatabase } from './support/databases';
import { admin, createAccount, latestInvitationToken, latestMail, randomClientIp, uniqueEmail } from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

/**
 * Issue 17: once a person has set a password on a page, the success page sends them to where they sign
 * in: the account's `links.sign_in`, else SIGN_IN_URL; no link when neither is set.
 */
const CONFIGURED = 'https://app.example.test/sign-in';
const OWN = 'https://acme.example.org/login?from=password';
const NEW_PASSWORD = 'Brisk-Otter-Canyon-71';
/** The success page's link to a sign-in address, as the page writes it. */
const signInLink = (href: string) => `<a class="button" href="${href.replace(/&/g, '&amp;')}">Sign in</a>`;

describeEachDatabase('links.sign_in and SIGN_IN_URL', (kind) => {
  describe('the account API', () => {
    let t: TestApp;
    withAppAndSmtp(kind, (app) => {
      t = app;
    });

    it('POST /accounts takes links.sign_in, GET /accounts/{id} shows it, PUT replaces it (left out: null)', async () => {
      const res = await t.http.post('/accounts').set(admin).send({ name: 'Acme', owner: { email: uniqueEmail() }, links: { sign_in: OWN } }).expect(201);
      const id = res.body.data.account_id;
      expect((await t.http.get(`/accounts/${id}`).set(admin).expect(200)).body.data.links).toEqual({ invitation: null, verification: null, reset: null, recovery: null, sign_in: OWN, change_password: null });
      const put = await t.http.put(`/accounts/${id}/links`).set(admin).send({ reset: 'https://acme.example.org/reset#code={code}' }).expect(200);
      expect(put.body).toMatchObject({ reset: 'https://acme.example.org/reset#code={code}', sign_in: null });
      await t.http.put(`/accounts/${id}/links`).set(admin).send({ sign_in: CONFIGURED }).expect(200, { invitation: null, verification: null, reset: null, recovery: null, sign_in: CONFIGURED, change_password: null });
      expect((await t.http.get(`/accounts/${id}`).set(admin).expect(200)).body.data.links.sign_in).toBe(CONFIGURED);
    });

    it.each([
      ['with {code}', 'https://acme.example.org/login#{code}'],
      ['relative', '/login'],
      ['of another scheme', 'javascript:alert(1)'],
      ['with credentials', 'https://u:p@acme.example.org/login'],
      ['not a string', 42],
    ])('refuses a sign-in address %s with 400 naming links.sign_in, and changes nothing', async (_why, value) => {
      const { accountId } = await createAccount(t);
      const put = await t.http.put(`/accounts/${accountId}/links`).set(admin).send({ sign_in: value }).expect(400);
      expect(put.body).toMatchObject({ statusCode: 400, code: 'REQUEST_INVALID' });
      expect(put.body.details.join(' ')).toContain('sign_in');
      const post = await t.http.post('/accounts').set(admin).send({ name: 'Bad', owner: { email: uniqueEmail() }, links: { sign_in: value } }).expect(400);
      expect(post.body.details.join(' ')).toContain('links.sign_in');
      expect((await t.http.get(`/accounts/${accountId}`).set(admin).expect(200)).body.data.links.sign_in).toBeNull();
    });
  });

  /** Sets the owner's first password on the invitation page; the success page's HTML. */
  async function setOnPage(t: TestApp, smtp: SmtpTestServer, o: { links?: Record<string, string> } = {}): Promise<string> {
    const email = uniqueEmail('owner');
    await t.http.post('/accounts').set(admin).send({ name: 'Acme', owner: { email }, ...(o.links ? { links: o.links } : {}) }).expect(201);
    const token = await latestInvitationToken(t, smtp, email);
    const done = await t.http.post('/set-password').set('X-Forwarded-For', randomClientIp()).type('form')
      .send({ token, step: 'set', password: NEW_PASSWORD, confirm: NEW_PASSWORD }).expect(200);
    expect(done.text).toContain('Your password is set');
    return done.text;
  }

  describe('without SIGN_IN_URL', () => {
    let t: TestApp;
    let smtp: SmtpTestServer;
    withAppAndSmtp(kind, (app, server) => {
      [t, smtp] = [app, server];
    }, { env: { TRUST_PROXY: 'true' } });

    it('the success page has no sign-in link, unless the account names its own', async () => {
      const none = await setOnPage(t, smtp);
      expect(none).not.toContain('>Sign in</a>');
      expect(none).not.toMatch(/<a class="button"/);
      expect(await setOnPage(t, smtp, { links: { sign_in: OWN } })).toContain(signInLink(OWN));
    });
  });

  describe('with SIGN_IN_URL', () => {
    let t: TestApp;
    let smtp: SmtpTestServer;
    withAppAndSmtp(kind, (app, server) => {
      [t, smtp] = [app, server];
    }, { env: { TRUST_PROXY: 'true', SIGN_IN_URL: CONFIGURED } });

    it('the success page links to SIGN_IN_URL, or to the account\'s own address when it has one', async () => {
      expect(await setOnPage(t, smtp)).toContain(signInLink(CONFIGURED));
      const own = await setOnPage(t, smtp, { links: { sign_in: OWN } });
      expect(own).toContain(signInLink(OWN));
      expect(own).not.toContain(CONFIGURED);
    });

    it('the reset pages end on the same link', async () => {
      const { ownerEmail } = await createAccount(t);
      const token = await latestInvitationToken(t, smtp, ownerEmail);
      await t.http.post('/accounts/set-password').send({ token, password: NEW_PASSWORD }).expect(200);
      const since = smtp.messages.length;
      await t.http.post('/v1/auth/password-reset/request').set('X-Forwarded-For', randomClientIp()).send({ email: ownerEmail }).expect(200);
      await t.flushMail();
      const code = extractCode(await latestMail(t, smtp, ownerEmail, (m) => m.subject === 'Your password reset code', since));
      const done = await t.http.post('/password-reset').set('X-Forwarded-For', randomClientIp()).type('form')
        .send({ code, step: 'set', password: 'Other-Lantern-88', confirm: 'Other-Lantern-88' }).expect(200);
      expect(done.text).toContain('Your password has been changed');
      expect(done.text).toContain(signInLink(CONFIGURED));
    });
  });

  describe(`migration ${AccountSignInUrl1764420000000.name}`, () => {
    const migrated = useMigratedDatabase(kind);

    it('adds accounts.sign_in_url (nullable, existing rows keep null) and down() removes it', async () => {
      const migration = new AccountSignInUrl1764420000000();
      const runner = migrated.ds.createQueryRunner();
      try {
        await migration.down(runner);
        expect(await runner.hasColumn('accounts', 'sign_in_url')).toBe(false);
        await migrated.ds.query(`INSERT INTO accounts (id, name, password_policy, created_at, updated_at) VALUES ('a-old', 'Old', '{}', 1, 1)`);
        await migration.up(runner);
        expect(await runner.hasColumn('accounts', 'sign_in_url')).toBe(true);
        const [old] = await migrated.ds.query(`SELECT sign_in_url FROM accounts WHERE id = 'a-old'`);
        expect(old.sign_in_url).toBeNull();
        const long = `https://app.example.test/${'a'.repeat(2000)}`;
        await migrated.ds.query(`UPDATE accounts SET sign_in_url = '${long}' WHERE id = 'a-old'`);
        expect((await migrated.ds.query(`SELECT sign_in_url FROM accounts WHERE id = 'a-old'`))[0].sign_in_url).toBe(long);
      } finally {
        await runner.release();
      }
    });
  });
});
