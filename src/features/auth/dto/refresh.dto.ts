import { StringField } from '../../../ground/common/dto-fields';

export class RefreshDto {
  /** The refresh token of the last login or refresh; it is rotated (usable once). */
  @StringField({ max: 512 }) refresh_token: string;
}
