import { RecoveryEmail } from './recovery-fields';

/** D5 `POST /v1/auth/password-reset/request`. */
export class RequestResetCodeDto {
  /** The account's email address; the reset code is mailed to the address stored for it. */
  @RecoveryEmail() email: string;
}
