import { SUPPORTED_LOCALES } from '../../src/ground/common/locale';
import { extractCode, SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import { admin, createAccount, createApiKey, createUser, latestMail, randomClientIp, sql, uniqueEmail } from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

/** The templates this suite configures (INVITATION_LINK, …): an enterprise's own web app. */
const CONFIGURED = {
  invitation: 'https://app.example.com/welcome?t={code}',
  verification: 'https://app.example.com/verify#c={code}',
  reset: 'https://app.example.com/reset/{code}',
  recovery: 'https://app.example.com/recover#v={code}',
};
/** One account's own templates (PUT /accounts/{id}/links). */
const OVERRIDE = {
  invitation: 'https://acme.example.org/join#token={code}',
  verification: 'https://acme.example.org/verify?code={code}',
  reset: 'https://acme.example.org/reset#code={code}',
  recovery: 'https://acme.example.org/recover#validation_code={code}',
  sign_in: 'https://acme.example.org/sign-in',
  change_password: 'https://acme.example.org/settings/password',
};
const link = (template: string, code: string) => template.replace('{code}', encodeURIComponent(code));
const NO_LINKS = { invitation: null, verification: null, reset: null, recovery: null, sign_in: null, change_password: null };

describeEachDatabase('links in emails and user locale', (kind) => {
  let t: TestApp;
  let smtp: SmtpTestServer;

  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  }, {
    env: {
      TRUST_PROXY: 'true',
      INVITATION_LINK: CONFIGURED.invitation,
      VERIFICATION_LINK: CONFIGURED.verification,
      RESET_LINK: CONFIGURED.reset,
      RECOVERY_LINK: CONFIGURED.recovery,
    },
  });

  /** The newest mail to `to` after message index `since`, its code and whether its text and HTML carry `expected(code)`. */
  async function mailAfter(to: string, since: number): Promise<{ code: string; text: string; html: string }> {
    const mail = await latestMail(t, smtp, to, undefined, since);
    return { code: extractCode(mail), text: mail.text, html: mail.html };
  }

  function expectLink(mail: { code: string; text: string; html: string }, template: string): void {
    const expected = link(template, mail.code);
    expect(mail.text.split('\n')).toContain(expected);
    expect(mail.html).toContain(`href="${expected.replace(/&/g, '&amp;')}"`);
    expect(mail.text + mail.html).not.toContain('https://id.example.test/');
  }

  const invitationTo = async (email: string, since: number) => mailAfter(email, since);

  async function signUp(email: string, extra: Record<string, unknown> = {}): Promise<{ code: string; text: string; html: string }> {
    const since = smtp.messages.length;
    await t.http.post('/auth/signup').set('X-Forwarded-For', randomClientIp()).send({ email, firstName: 'Sam', lastName: 'Signup', ...extra }).expect(201);
    return mailAfter(email, since);
  }

  async function requestReset(email: string): Promise<{ code: string; text: string; html: string }> {
    const since = smtp.messages.length;
    await t.http.post('/v1/auth/password-reset/request').set('X-Forwarded-For', randomClientIp()).send({ email }).expect(200);
    return mailAfter(email, since);
  }

  async function requestRecovery(email: string): Promise<{ code: string; text: string; html: string }> {
    const since = smtp.messages.length;
    await t.http.post('/api/v2/account/recover/').set('X-Forwarded-For', randomClientIp()).send({ email }).expect(200);
    return mailAfter(email, since);
  }

  describe('configured templates', () => {
    it('INVITATION_LINK, VERIFICATION_LINK, RESET_LINK and RECOVERY_LINK shape the links of the four emails', async () => {
      const since = smtp.messages.length;
      const { accountId, ownerEmail } = await createAccount(t);
      expectLink(await invitationTo(ownerEmail, since), CONFIGURED.invitation);

      const email = uniqueEmail('signup');
      expectLink(await signUp(email), CONFIGURED.verification);

      const { email: member } = await createUser(t, accountId);
      expectLink(await requestReset(member), CONFIGURED.reset);
      const recovery = await requestRecovery(member);
      expect(recovery.code).toContain('.');
      expectLink(recovery, CONFIGURED.recovery);
    });
  });

  describe('per-account templates', () => {
    it("an account's own templates change the links for that account's users only", async () => {
      const sinceA = smtp.messages.length;
      const a = await createAccount(t, { name: 'Acme', selfSignUp: true });
      const b = await createAccount(t, { name: 'Globex', selfSignUp: true });
      expectLink(await invitationTo(a.ownerEmail, sinceA), CONFIGURED.invitation);

      const put = await t.http.put(`/accounts/${a.accountId}/links`).set(admin).send(OVERRIDE).expect(200);
      expect(put.body).toEqual(OVERRIDE);
      expect((await t.http.get(`/accounts/${a.accountId}`).set(admin).expect(200)).body.data.links).toEqual(OVERRIDE);
      expect((await t.http.get(`/accounts/${b.accountId}`).set(admin).expect(200)).body.data.links).toEqual(NO_LINKS);

      // account A: every link from its templates
      const sinceUser = smtp.messages.length;
      const { email: memberA } = await createUser(t, a.accountId);
      expectLink(await invitationTo(memberA, sinceUser), OVERRIDE.invitation);
      expectLink(await requestReset(memberA), OVERRIDE.reset);
      expectLink(await requestRecovery(memberA), OVERRIDE.recovery);
      expectLink(await signUp(uniqueEmail('joins-a'), { account_id: a.accountId }), OVERRIDE.verification);

      // account B and users without an account: the configured templates
      const sinceB = smtp.messages.length;
      const { email: memberB } = await createUser(t, b.accountId);
      expectLink(await invitationTo(memberB, sinceB), CONFIGURED.invitation);
      expectLink(await requestReset(memberB), CONFIGURED.reset);
      expectLink(await requestRecovery(memberB), CONFIGURED.recovery);
      expectLink(await signUp(uniqueEmail('joins-b'), { account_id: b.accountId }), CONFIGURED.verification);
      expectLink(await signUp(uniqueEmail('no-account')), CONFIGURED.verification);
    });

    it('POST /accounts takes links; kinds left out use the configured template', async () => {
      const ownerEmail = uniqueEmail('owner');
      const since = smtp.messages.length;
      const res = await t.http.post('/accounts').set(admin)
        .send({ name: 'Initech', owner: { email: ownerEmail }, links: { invitation: OVERRIDE.invitation, recovery: null } }).expect(201);
      expect(Object.keys(res.body.data).sort()).toEqual(['account', 'account_id', 'user_id']);
      expectLink(await invitationTo(ownerEmail, since), OVERRIDE.invitation);
      expectLink(await requestReset(ownerEmail), CONFIGURED.reset);
      const read = await t.http.get(`/accounts/${res.body.data.account_id}`).set(admin).expect(200);
      expect(read.body.data.links).toEqual({ ...NO_LINKS, invitation: OVERRIDE.invitation });
    });

    it('PUT replaces the whole object: a kind left out falls back to the configured template', async () => {
      const { accountId } = await createAccount(t);
      await t.http.put(`/accounts/${accountId}/links`).set(admin).send(OVERRIDE).expect(200);
      const res = await t.http.put(`/accounts/${accountId}/links`).set(admin).send({ reset: OVERRIDE.reset, invitation: null }).expect(200);
      expect(res.body).toEqual({ ...NO_LINKS, reset: OVERRIDE.reset });
      await t.http.put(`/accounts/${accountId}/links`).set(admin).send({}).expect(200, NO_LINKS);
      expect((await t.http.get(`/accounts/${accountId}`).set(admin).expect(200)).body.data.links).toEqual(NO_LINKS);
    });

    it.each([
      ['without {code}', { invitation: 'https://acme.example.org/join' }, 'invitation'],
      ['with {code} twice', { reset: 'https://acme.example.org/{code}#{code}' }, 'reset'],
      ['relative', { recovery: '/recover#code={code}' }, 'recovery'],
      ['of another scheme', { verification: 'javascript:alert("{code}")' }, 'verification'],
      ['not a string', { reset: 42 }, 'reset'],
      ['in an unknown field', { welcome: 'https://acme.example.org/{code}' }, 'welcome'],
    ])('PUT refuses a template %s with 400 naming the field', async (_why, body, field) => {
      const { accountId } = await createAccount(t);
      const res = await t.http.put(`/accounts/${accountId}/links`).set(admin).send(body).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'REQUEST_INVALID' });
      expect(res.body.details.join(' ')).toContain(field);
      if (field !== 'welcome' && typeof (body as Record<string, unknown>)[field] === 'string') expect(res.body.details).toContain(`${field} is not a valid link template (an absolute http(s) URL containing {code} exactly once).`);
      expect((await t.http.get(`/accounts/${accountId}`).set(admin).expect(200)).body.data.links).toEqual(NO_LINKS);
    });

    it('POST /accounts refuses a bad template naming links.<kind>', async () => {
      const res = await t.http.post('/accounts').set(admin)
        .send({ name: 'Bad', owner: { email: uniqueEmail() }, links: { invitation: 'https://acme.example.org/no-code' } }).expect(400);
      expect(res.body.details.join(' ')).toContain('links.invitation');
    });

    it('PUT answers 404 for an unknown or malformed account id, 403 for a key of another account or without accounts:write', async () => {
      await t.http.put('/accounts/00000000-0000-4000-8000-000000000000/links').set(admin).send(OVERRIDE).expect(404);
      const res = await t.http.put('/accounts/nope/links').set(admin).send(OVERRIDE).expect(404);
      expect(res.body.code).toBe('ACCOUNT_NOT_FOUND');
      const a = await createAccount(t);
      const b = await createAccount(t);
      const { key } = await createApiKey(t, ['accounts:write'], a.accountId);
      await t.http.put(`/accounts/${a.accountId}/links`).set('X-Api-Key', key).send(OVERRIDE).expect(200);
      await t.http.put(`/accounts/${b.accountId}/links`).set('X-Api-Key', key).send(OVERRIDE).expect(403);
      const { key: usersKey } = await createApiKey(t, ['users:write']);
      await t.http.put(`/accounts/${a.accountId}/links`).set('X-Api-Key', usersKey).send(OVERRIDE).expect(403);
    });
  });

  describe('user locale', () => {
    const localeOf = async (email: string) =>
      (await sql<{ id: string; locale: string | null }>(t, 'SELECT id, locale FROM users WHERE email_normalized = $1', [email.toLowerCase()]))[0];

    it('is null by default and shown by GET /users/{id}', async () => {
      const { accountId } = await createAccount(t);
      const { userId } = await createUser(t, accountId);
      const res = await t.http.get(`/users/${userId}`).set(admin).expect(200);
      expect(res.body.data.locale).toBeNull();
    });

    it('is settable at user creation, at account creation for the owner, and at sign-up', async () => {
      const { accountId } = await createAccount(t);
      const created = await t.http.post(`/accounts/${accountId}/users`).set(admin).send({ email: uniqueEmail(), locale: 'de' }).expect(201);
      expect(created.body.data.locale).toBe('de');
      expect((await t.http.get(`/users/${created.body.data.user_id}`).set(admin).expect(200)).body.data.locale).toBe('de');

      const account = await t.http.post('/accounts').set(admin).send({ name: 'Bosch', owner: { email: uniqueEmail('owner'), locale: 'de' } }).expect(201);
      expect((await t.http.get(`/users/${account.body.data.user_id}`).set(admin).expect(200)).body.data.locale).toBe('de');

      const email = uniqueEmail('signup');
      await signUp(email, { locale: 'en' });
      const row = await localeOf(email);
      expect(row.locale).toBe('en');
      expect((await t.http.get(`/users/${row.id}`).set(admin).expect(200)).body.data.locale).toBe('en');
    });

    it('PATCH /users/{id} sets and clears it, answering the user', async () => {
      const { accountId } = await createAccount(t);
      const { userId } = await createUser(t, accountId);
      const set = await t.http.patch(`/users/${userId}`).set(admin).send({ locale: 'de' }).expect(200);
      expect(set.body.data).toMatchObject({ user_id: userId, locale: 'de', has_password: false });
      expect((await t.http.get(`/users/${userId}`).set(admin).expect(200)).body.data.locale).toBe('de');
      await t.http.patch(`/users/${userId}`).set(admin).send({}).expect(200).expect((r) => expect(r.body.data.locale).toBe('de'));
      const cleared = await t.http.patch(`/users/${userId}`).set(admin).send({ locale: null }).expect(200);
      expect(cleared.body.data.locale).toBeNull();
      expect((await t.http.get(`/users/${userId}`).set(admin).expect(200)).body.data.locale).toBeNull();
    });

    it('refuses an unsupported locale with 400 everywhere, naming the supported ones (not "must be a enum")', async () => {
      const { accountId } = await createAccount(t);
      const { userId } = await createUser(t, accountId);
      for (const locale of ['fr', 'DE', 'de-DE', '', 7]) {
        const res = await t.http.patch(`/users/${userId}`).set(admin).send({ locale }).expect(400);
        expect(res.body).toMatchObject({ code: 'REQUEST_INVALID' });
        expect(res.body.details).toContain(`locale must be one of: ${SUPPORTED_LOCALES.join(', ')}.`);
      }
      await t.http.post(`/accounts/${accountId}/users`).set(admin).send({ email: uniqueEmail(), locale: 'fr' }).expect(400);
      await t.http.post('/accounts').set(admin).send({ name: 'x', owner: { email: uniqueEmail(), locale: 'fr' } }).expect(400);
      const email = uniqueEmail('signup');
      const signup = await t.http.post('/auth/signup').send({ email, firstName: 'Sam', lastName: 'Signup', locale: 'fr' }).expect(400);
      expect(signup.body.success).toBe(false);
      expect(JSON.stringify(signup.body)).toContain(`Locale must be one of: ${SUPPORTED_LOCALES.join(', ')}`);
      expect(JSON.stringify(signup.body)).not.toMatch(/enum/);
      expect(await localeOf(email)).toBeUndefined();
      expect((await t.http.get(`/users/${userId}`).set(admin).expect(200)).body.data.locale).toBeNull();
    });

    it("PATCH keeps the account boundary of the key: 404 unknown, 403 another account's user or a key without users:write", async () => {
      await t.http.patch('/users/00000000-0000-4000-8000-000000000000').set(admin).send({ locale: 'de' }).expect(404);
      await t.http.patch('/users/nope').set(admin).send({ locale: 'de' }).expect(404);
      const a = await createAccount(t);
      const b = await createAccount(t);
      const { key } = await createApiKey(t, ['users:write'], a.accountId);
      await t.http.patch(`/users/${a.ownerId}`).set('X-Api-Key', key).send({ locale: 'de' }).expect(200);
      await t.http.patch(`/users/${b.ownerId}`).set('X-Api-Key', key).send({ locale: 'de' }).expect(403);
      expect((await t.http.get(`/users/${b.ownerId}`).set(admin).expect(200)).body.data.locale).toBeNull();
      const { key: accountsKey } = await createApiKey(t, ['accounts:write']);
      await t.http.patch(`/users/${a.ownerId}`).set('X-Api-Key', accountsKey).send({ locale: 'en' }).expect(403);
    });
  });
});
