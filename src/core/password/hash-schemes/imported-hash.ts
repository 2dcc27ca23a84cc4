import type { StoredPasswordHash } from '../password-hasher';
import { parseArgon2 } from './argon2.scheme';
import { BCRYPT_ALGORITHM, BCRYPT_MAX_VERIFY_COST, BCRYPT_MIN_COST, parseBcryptCost } from './bcrypt.scheme';
import { DJANGO_PBKDF2_SHA256_ALGORITHM, parseDjangoPbkdf2, PBKDF2_MAX_ITERATIONS, PBKDF2_MIN_ITERATIONS } from './django-pbkdf2.scheme';
import {
  FIREBASE_MAX_MEM_COST, FIREBASE_MAX_ROUNDS, FIREBASE_SCRYPT_ALGORITHM, firebaseParameterProblem, formatFirebaseScrypt, ParsedFirebaseScrypt,
} from './firebase-scrypt.scheme';

/** The formats a user's existing hash may be imported in (PUT /users/{id}/password-hash, `users import-hash`). */
export const IMPORT_FORMATS = ['bcrypt', 'argon2', 'django-pbkdf2-sha256', 'firebase-scrypt'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** An existing hash as another system exported it. */
export interface ImportedHash {
  format: ImportFormat;
  /** The hash string (bcrypt, argon2 PHC, Django), or for Firebase the base64 `passwordHash`. */
  hash: string;
  /** Firebase only: the user's salt and the project's hash parameters. */
  firebase?: Partial<Omit<ParsedFirebaseScrypt, 'hash'>>;
}

/** Why an import is refused: the field at fault (`hash`, `salt`, `rounds` …) and what it must be. */
export interface ImportRefusal {
  field: 'hash' | 'salt' | 'salt_separator' | 'signer_key' | 'rounds' | 'mem_cost';
  expected: string;
}

const FIELD_OF: Record<keyof ParsedFirebaseScrypt, ImportRefusal['field']> = {
  hash: 'hash', salt: 'salt', saltSeparator: 'salt_separator', signerKey: 'signer_key', rounds: 'rounds', memCost: 'mem_cost',
};

const FIREBASE_EXPECTED: Record<ImportRefusal['field'], string> = {
  hash: 'Firebase scrypt passwordHash (base64, as long as the signer key)',
  salt: 'base64 salt of 1-64 bytes',
  salt_separator: 'base64 salt separator of 1-16 bytes',
  signer_key: 'base64 signer key of 16-128 bytes',
  rounds: `rounds from 1 to ${FIREBASE_MAX_ROUNDS}`,
  mem_cost: `mem_cost from 1 to ${FIREBASE_MAX_MEM_COST} (scrypt memory 128·2^mem_cost·rounds at most 128 MiB)`,
};

/**
 * The stored form of an imported hash (its scheme and a string naming the parameters), or why it is
 * refused. Strict: bounded lengths and the cost bounds each scheme verifies within (bcrypt cost 4-15,
 * PBKDF2 iterations 1,000-1,200,000, scrypt N ≤ 2^17 and 128 MiB, argon2 m ≤ 64 MiB, t ≤ 4, p ≤ 8),
 * so no import can make one login cost minutes. Never throws for any input.
 */
export function parseImportedHash(input: ImportedHash): StoredPasswordHash | ImportRefusal {
  const hash = input.hash;
  if (typeof hash !== 'string') return { field: 'hash', expected: 'string' };
  switch (input.format) {
    case 'bcrypt': {
      const cost = parseBcryptCost(hash);
      if (cost === null || cost < BCRYPT_MIN_COST || cost > BCRYPT_MAX_VERIFY_COST) return { field: 'hash', expected: `bcrypt hash ($2a$, $2b$ or $2y$, cost ${BCRYPT_MIN_COST}-${BCRYPT_MAX_VERIFY_COST})` };
      return { algorithm: BCRYPT_ALGORITHM, hash };
    }
    case 'argon2': {
      const parsed = parseArgon2(hash);
      if (!parsed) return { field: 'hash', expected: 'argon2 PHC string ($argon2id$, $argon2i$ or $argon2d$, v=19 or 16, m at most 65536, t at most 4, p at most 8)' };
      return { algorithm: parsed.variant, hash };
    }
    case 'django-pbkdf2-sha256':
      if (!parseDjangoPbkdf2(hash)) return { field: 'hash', expected: `Django pbkdf2_sha256$<iterations>$<salt>$<hash> (iterations ${PBKDF2_MIN_ITERATIONS}-${PBKDF2_MAX_ITERATIONS})` };
      return { algorithm: DJANGO_PBKDF2_SHA256_ALGORITHM, hash };
    case 'firebase-scrypt': {
      const f = input.firebase ?? {};
      const parsed = { salt: f.salt, saltSeparator: f.saltSeparator, signerKey: f.signerKey, rounds: f.rounds, memCost: f.memCost, hash } as ParsedFirebaseScrypt;
      const problem = firebaseParameterProblem(parsed);
      if (problem) return { field: FIELD_OF[problem], expected: FIREBASE_EXPECTED[FIELD_OF[problem]] };
      return { algorithm: FIREBASE_SCRYPT_ALGORITHM, hash: formatFirebaseScrypt(parsed) };
    }
    default:
      return { field: 'hash', expected: `one of the formats ${IMPORT_FORMATS.join(', ')}` };
  }
}

export function isImportRefusal(r: StoredPasswordHash | ImportRefusal): r is ImportRefusal {
  return 'field' in r;
}
