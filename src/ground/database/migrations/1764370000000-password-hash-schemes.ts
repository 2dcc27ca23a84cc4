import { MigrationInterface, QueryRunner } from 'typeorm';

/** The tables whose `hash` column holds a stored password hash. */
const PASSWORD_HASH_TABLES = ['credentials', 'password_history'];

/**
 * Password hashes of several schemes (src/core/password/hash-schemes): argon2 PHC strings (up to about 200
 * characters) and imported Firebase scrypt hashes, which carry their salt, salt separator and the
 * project's signer key (up to 512), no longer fit the 100 characters of a bcrypt string: the `hash`
 * columns widen to varchar(512). Plain ALTERs; SQLite does not enforce varchar lengths, so only
 * PostgreSQL's columns change (as in 1764360000000-key-ring.ts).
 */
export class PasswordHashSchemes1764370000000 implements MigrationInterface {
  name = 'PasswordHashSchemes1764370000000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'postgres') return;
    for (const table of PASSWORD_HASH_TABLES) await q.query(`ALTER TABLE "${table}" ALTER COLUMN "hash" TYPE varchar(512)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // A hash longer than 100 characters would not fit again: refuse rather than truncate (a truncated hash
    // locks its user out, a history entry stops matching).
    for (const table of PASSWORD_HASH_TABLES) {
      const [{ n }] = (await q.query(`SELECT COUNT(*) AS n FROM "${table}" WHERE LENGTH(hash) > 100`)) as Array<{ n: string | number }>;
      if (Number(n) > 0) {
        throw new Error(`refusing to revert PasswordHashSchemes1764370000000: ${table} holds ${n} hashes longer than 100 characters (argon2 or imported hashes); they would not fit`);
      }
    }
    if (q.connection.options.type !== 'postgres') return;
    for (const table of PASSWORD_HASH_TABLES) await q.query(`ALTER TABLE "${table}" ALTER COLUMN "hash" TYPE varchar(100)`);
  }
}
