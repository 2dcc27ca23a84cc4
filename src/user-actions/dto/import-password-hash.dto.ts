import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsInt, IsString, Length, Max, Min, ValidateBy, ValidateIf } from 'class-validator';
import { IMPORT_FORMATS, ImportedHash, ImportFormat } from '../../password/hash-schemes/imported-hash';
import {
  FIREBASE_MAX_MEM_COST, FIREBASE_MAX_ROUNDS,
} from '../../password/hash-schemes/firebase-scrypt.scheme';

const FIREBASE = 'firebase-scrypt';
const isFirebase = (o: object) => (o as ImportPasswordHashDto).format === FIREBASE;

/**
 * A Firebase parameter: required with format `firebase-scrypt`, refused with any other format (kind
 * `format`, so `details` says it belongs to firebase-scrypt only).
 */
function FirebaseParameter(o: { description: string; example: string | number; integer?: { max: number } }): PropertyDecorator {
  const onlyForFirebase = ValidateBy(
    { name: 'isFirebaseScryptParameter', validator: { validate: (_value, args) => isFirebase(args!.object) } },
    { context: { params: { format: 'parameter of format firebase-scrypt only' } } },
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
      description: `${o.description} Required with format \`firebase-scrypt\`; refused with any other format.`,
      example: o.example,
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
  @IsDefined() @IsString() @IsIn(IMPORT_FORMATS)
  format: ImportFormat;

  /** The hash string (Firebase: the user's base64 `passwordHash`). Never answered back, logged or audited. */
  @ApiProperty({ type: String, minLength: 1, maxLength: 512, example: '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW' })
  @IsDefined() @IsString() @Length(1, 512, { context: { params: { min: 1, max: 512 } } })
  hash: string;

  /** The user's base64 `salt` (Firebase export). */
  @FirebaseParameter({ description: "The user's base64 `salt` from the Firebase users export.", example: '42xEC+ixf3L2lw==' })
  salt?: string;

  @FirebaseParameter({ description: 'The project\'s `base64_salt_separator` (Firebase console, "Password hash parameters").', example: 'Bw==' })
  salt_separator?: string;

  @FirebaseParameter({
    description: "The project's `base64_signer_key`. Stored with each imported hash, as verifying needs it (it protects nothing else here).",
    example: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  })
  signer_key?: string;

  @FirebaseParameter({ description: `The project's \`rounds\` (1-${FIREBASE_MAX_ROUNDS}).`, example: 8, integer: { max: FIREBASE_MAX_ROUNDS } })
  rounds?: number;

  @FirebaseParameter({ description: `The project's \`mem_cost\` (1-${FIREBASE_MAX_MEM_COST}; scrypt's memory 128·2^mem_cost·rounds at most 128 MiB).`, example: 14, integer: { max: FIREBASE_MAX_MEM_COST } })
  mem_cost?: number;
}

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
