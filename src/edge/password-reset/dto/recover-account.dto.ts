import { RecoveryEmail } from './recovery-fields';

/** D4 `POST /api/v2/account/recover/`. */
export class RecoverAccountDto {
  /** The account's email address; the validation code is mailed to the address stored for it. */
  @RecoveryEmail() email: string;
}
