import { StringField } from '../../../ground/common/dto-fields';

export class SetPasswordWithInvitationDto {
  /** Set password token (the `Code:` line of the invitation email). */
  @StringField({ max: 512, example: 'abcdef123456' }) token: string;
  /**
   * New password. Requirements (the account's policy; service default): minimum length 8 characters, at least one uppercase
   * letter, one lowercase letter, one digit (number) and one special character (punctuation or symbol), maximum length 99 characters.
   */
  @StringField({ min: 0, max: 4096, example: 'SecureP@ssw0rd!' }) password: string;
}
