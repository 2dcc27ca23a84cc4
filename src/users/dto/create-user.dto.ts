import { EmailField, StringField } from '../../common/dto-fields';

export class CreateUserDto {
  @EmailField() email: string;
  @StringField({ max: 100, optional: true, example: 'Ada' }) firstName?: string;
  @StringField({ max: 100, optional: true, example: 'Lovelace' }) lastName?: string;
}
