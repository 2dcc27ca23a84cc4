import { PASSWORD_FIELD_MAX, RequiredText } from './recovery-fields';

/** D5 `POST /v1/auth/password-reset/reset` (seed 004, ResetPasswordRequest). */
export class ResetWithCodeDto {
  @RequiredText({ max: 128, example: '123456', description: 'The reset code from the email; it names the user.' })
  code: string;

  @RequiredText({ max: PASSWORD_FIELD_MAX, example: 'NewSecretPassword123!', description: "The new password; the user's account policy applies." })
  new_password: string;
}
