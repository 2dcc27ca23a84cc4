import { StringField } from '../../../ground/common/dto-fields';

export class VerifyEmailDto {
  /** The code from the verification email (case and surrounding spaces do not matter). */
  @StringField({ max: 64, example: 'K7MX4QPA' }) code: string;
}
