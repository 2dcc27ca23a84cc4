import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsInt, IsString, Length, Max, Min, ValidateBy, ValidateIf } from 'class-validator';
import { IsOneOf } from '../../../ground/common/validation';
import { IMPORT_FORMATS, ImportedHash, ImportFormat } from '../../../core/password/hash-schemes/imported-hash';
import {
  FIREBASE_MAX_MEM_COST, FIREBASE_MAX_ROUNDS,
} from '../../../core/password/hash-schemes/firebase-scrypt.scheme';

const FIREBASE = 'firebase-scrypt';
const isFirebase = (o: object) => (o as ImportPasswordHashDto).format === FIREBASE;

/**
 * A Firebase parameter: required with format `firebase-scrypt`, refused with any other format (kind
 * `format`, so `details` says it belongs to firebase-scrypt only).
 */
function FirebaseParameter(o: { description: string; integer?: { max: number } }): PropertyDecorator {
  const onlyForFirebase = ValidateBy(
    { name: 'isFirebaseScryptParameter', validator: { validate: (_value, args) => isFirebase(args!.object) } },
    // A message of its own: class-validator reports a constraint's context (read by the dialects) only with a non-empty message.
    { message: '$property is a parameter of format firebase-scrypt only', context: { params: { format: 'parameter of format firebase-scrypt only' } } },
  );
  const type = o.integer
    ? [IsInt(), Min(1), Max(o.integer.max)]
    : [IsString(), Length(1, 256, { context: { params: { min: 1, max: 256 } } })];
  return applyDecorators(
    ValidateIf((dto: object, value: unknown) => isFirebase(dto) || value !== undefined),
    IsDefined(),
    ...type,
    onlyForFirebase,
    ApiPropertyOptional({
      ...(o.integer ? { type: 'integer', minimum: 1, maximum: o.integer.max } : { type: String, minLength: 1, maxLength: 256 }),
      // No example of its own: a generated example would pair it with another format (see IMPORT_HASH_EXAMPLES).
      description: `${o.description} Required with format \`firebase-scrypt\`; refused with any other format.`,
    }),
  );
}

/**
 * PUT /users/{id}/password-hash: the user's existing hash as another system stores it. The hash is kept
 * as given (Firebase's with its parameters), verified with its own scheme at the next login and then
 * rehashed into the configured one.
 */
export class ImportPasswordHashDto {
  /**
   * `bcrypt`: `$2a$`, `$2b$` or `$2y$`, cost 4-15, of the plain password (at most 72 bytes are checked, so
   * a longer password never matches). `argon2`: a PHC string `$argon2id$`, `$argon2i$` or `$argon2d$`
   * (v=19 or 16, m ≤ 65536 KiB, t ≤ 4, p ≤ 8). `django-pbkdf2-sha256`: Django's
   * `pbkdf2_sha256$<iterations>$<salt>$<hash>` (1,000-1,200,000 iterations). `firebase-scrypt`: a user of
   * a Firebase Authentication export, with the project's hash parameters.
   */
  @ApiProperty({ enum: IMPORT_FORMATS, type: String, example: 'bcrypt' })
  @IsDefined() @IsString() @IsOneOf(IMPORT_FORMATS)
  format: ImportFormat;

  /** The hash string (Firebase: the user's base64 `passwordHash`). Never answered back, logged or audited. */
  @ApiProperty({ type: String, minLength: 1, maxLength: 512, example: '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW' })
  @IsDefined() @IsString() @Length(1, 512, { context: { params: { min: 1, max: 512 } } })
  hash: string;

  /** The user's base64 `salt` (Firebase export). */
  @FirebaseParameter({ description: "The user's base64 `salt` from the Firebase users export." })
  salt?: string;

  @FirebaseParameter({ description: 'The project\'s `base64_salt_separator` (Firebase console, "Password hash parameters").' })
  salt_separator?: string;

  @FirebaseParameter({
    description: "The project's `base64_signer_key`. Stored with each imported hash, as verifying needs it (it protects nothing else here).",
  })
  signer_key?: string;

  @FirebaseParameter({ description: `The project's \`rounds\` (1-${FIREBASE_MAX_ROUNDS}).`, integer: { max: FIREBASE_MAX_ROUNDS } })
  rounds?: number;

  @FirebaseParameter({ description: `The project's \`mem_cost\` (1-${FIREBASE_MAX_MEM_COST}; scrypt's memory 128·2^mem_cost·rounds at most 128 MiB).`, integer: { max: FIREBASE_MAX_MEM_COST } })
  mem_cost?: number;
}

/**
 * One request example per format (PUT /users/{id}/password-hash in the OpenAPI document; Swagger UI
 * pre-fills the first): each a real hash of `password`, accepted as it is, after which the user logs in
 * with that password (test/e2e/password-hash-schemes.e2e-spec.ts sends each).
 */
export const IMPORT_HASH_EXAMPLES: Record<string, { summary: string; password: string; value: Partial<ImportPasswordHashDto> }> = {
  bcrypt: {
    summary: 'bcrypt (cost 10) of Example-Passw0rd!',
    password: 'Example-Passw0rd!',
    value: { format: 'bcrypt', hash: '$2b$10$rqmxF9E1JF.WNi1vbkzNheQDldMilcRaXefu.VqQ4MgBnp8DX80GS' },
  },
  argon2: {
    summary: 'argon2id PHC string (m=19456, t=2, p=1) of Example-Passw0rd!',
    password: 'Example-Passw0rd!',
    value: { format: 'argon2', hash: '$argon2id$v=19$m=19456,t=2,p=1$uLYH6i0JzTnxbqA3L9SJYw$oQDKYzgAKZQR623O0xaqtV25lO7J9D4C9hHA3t++8B4' },
  },
  django: {
    summary: 'Django pbkdf2_sha256 (600,000 iterations) of Example-Passw0rd!',
    password: 'Example-Passw0rd!',
    value: { format: 'django-pbkdf2-sha256', hash: 'pbkdf2_sha256$600000$R7vLq2mXc9TfWb4e$VinSRGX8D/A92OqVY0UaqTm/C6BzzpCeETNE9J0xM8I=' },
  },
  firebase: {
    summary: "Firebase scrypt, the sample of Firebase's scrypt README (password user1password)",
    password: 'user1password',
    value: {
      format: 'firebase-scrypt',
      hash: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
      salt: '42xEC+ixf3L2lw==',
      salt_separator: 'Bw==',
      signer_key: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
      rounds: 8,
      mem_cost: 14,
    },
  },
};

/** The DTO as the password core's ImportedHash. */
export function toImportedHash(dto: ImportPasswordHashDto): ImportedHash {
  return {
    format: dto.format,
    hash: dto.hash,
    ...(dto.format === FIREBASE
      ? { firebase: { salt: dto.salt, saltSeparator: dto.salt_separator, signerKey: dto.signer_key, rounds: dto.rounds, memCost: dto.mem_cost } }
      : {}),
  };
}
