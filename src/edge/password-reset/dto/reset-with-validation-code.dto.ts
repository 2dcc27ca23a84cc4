import { PASSWORD_FIELD_MAX, RecoveryEmail, RequiredText } from './recovery-fields';

/** D4 `POST /api/v2/account/reset/` (seed 003). */
export class ResetWithValidationCodeDto {
  @RequiredText({ max: 200, description: 'Found in the email sent by POST /api/v2/account/recover/' })
  validation_code: string;

  @RequiredText({
    max: PASSWORD_FIELD_MAX,
    description: "The new password; the user's account policy applies (the seed's: 8 to 128 characters, 3 of 4 character classes).",
  })
  password: string;

  /** Optional (the seed's curl example sends it); when present it must be the address of the code's user. */
  @RecoveryEmail({ optional: true })
  email?: string;
}
