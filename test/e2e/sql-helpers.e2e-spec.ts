import { randomUUID } from 'node:crypto';
import { Account } from '../../src/core/entities/account.entity';
import { User } from '../../src/core/entities/user.entity';
import { Credential } from '../../src/core/password/credential.entity';
import { columnsOf, hydrate, insertRows, runSql, tableOf, updateRows } from '../../src/ground/database/sql';
import { UnitOfWork } from '../../src/ground/database/unit-of-work';
import { describeEachDatabase } from './support/databases';
import { createAccount, createUser, uniqueEmail } from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

/**
 * The statements written as SQL on the hot paths (src/ground/database/sql.ts, issue 22) store and read
 * values exactly as TypeORM's own insert, update and find do: times through their transformer (ms since
 * the epoch), booleans, nulls, JSON columns; on both databases.
 */
describeEachDatabase('Statements written as SQL convert values as TypeORM does', (kind) => {
  let t: TestApp;
  withAppAndSmtp(kind, (app) => {
    t = app;
  });

  it('insertRows stores what em.insert would: TypeORM reads back the same entity, and columns left out take their default', async () => {
    const { accountId } = await createAccount(t);
    const { userId } = await createUser(t, accountId, uniqueEmail('sql-insert'));
    const setAt = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    await t.app.get(UnitOfWork).run((em) => insertRows(em, Credential, [{ userId, hash: 'h1', algorithm: 'bcrypt', setAt, expiresAt: null }]));
    const read = await t.dataSource.manager.findOneByOrFail(Credential, { userId });
    expect(read).toEqual(Object.assign(new Credential(), { userId, hash: 'h1', algorithm: 'bcrypt', setAt, expiresAt: null, mustChange: false, expiryWarnedDays: null }));
  });

  it('updateRows sets what em.update would, only where its condition holds, and counts the rows it changed', async () => {
    const { accountId } = await createAccount(t);
    const { userId } = await createUser(t, accountId, uniqueEmail('sql-update'));
    const uow = t.app.get(UnitOfWork);
    await uow.run((em) => insertRows(em, Credential, [{ userId, hash: 'h1', algorithm: 'bcrypt', setAt: new Date(1), expiresAt: null, mustChange: false, expiryWarnedDays: null }]));
    const expiresAt = new Date(Date.UTC(2027, 5, 6));
    const changed = await uow.run((em) => updateRows(em, Credential, { hash: 'h2', mustChange: true, expiresAt, expiryWarnedDays: 7 }, '"user_id" = :userId AND "hash" = :old', { userId, old: 'h1' }));
    const unchanged = await uow.run((em) => updateRows(em, Credential, { hash: 'h3' }, '"user_id" = :userId AND "hash" = :old', { userId, old: 'h1' }));
    expect([changed, unchanged]).toEqual([1, 0]);
    expect(await t.dataSource.manager.findOneByOrFail(Credential, { userId })).toMatchObject({ hash: 'h2', mustChange: true, expiresAt, expiryWarnedDays: 7 });
  });

  it('columnsOf and hydrate with a prefix read several entities from one joined row as TypeORM finds them', async () => {
    const { accountId } = await createAccount(t, { policy: { minLength: 11 } });
    const { userId } = await createUser(t, accountId, uniqueEmail('sql-join'));
    const em = t.dataSource.manager;
    const { rows } = await runSql(
      em,
      `SELECT ${columnsOf(em, User, 'u', 'u_')}, ${columnsOf(em, Account, 'a', 'a_')} FROM ${tableOf(em, User)} "u" JOIN ${tableOf(em, Account)} "a" ON "a"."id" = "u"."account_id" WHERE "u"."id" = :userId`,
      { userId },
    );
    expect(hydrate(em, User, rows[0], 'u_')).toEqual(await em.findOneByOrFail(User, { id: userId }));
    const account = hydrate(em, Account, rows[0], 'a_');
    expect(account).toEqual(await em.findOneByOrFail(Account, { id: accountId }));
    expect(account.passwordPolicy).toMatchObject({ minLength: 11 });
  });

  it('insertRows refuses a property that is no column (a typo would otherwise be dropped silently)', async () => {
    await expect(t.app.get(UnitOfWork).run((em) => insertRows(em, Credential, [{ userId: randomUUID(), hsah: 'x' } as Partial<Credential>]))).rejects.toThrow('hsah is not a column of Credential');
  });
});
