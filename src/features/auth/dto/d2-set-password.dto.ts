import { StringField } from '../../../ground/common/dto-fields';

export class D2SetPasswordDto {
  /** The new password; the account's policy applies (service default: 8–99 characters, upper, lower, digit, special). */
  @StringField({ min: 0, max: 4096, example: 'securePassword123!' }) password: string;
}
