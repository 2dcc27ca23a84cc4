import { EmailField, StringField } from '../../../ground/common/dto-fields';

export class LoginDto {
  @EmailField() email: string;
  @StringField({ max: 4096, example: 'SecureP@ssw0rd!' }) password: string;
}
