/** PASSWORD_HASH: the scheme new hashes are written with (no native module here: the config reads it). */
export const PASSWORD_HASH_SCHEMES = ['bcrypt', 'argon2id'] as const;
export type PasswordHashScheme = (typeof PASSWORD_HASH_SCHEMES)[number];
