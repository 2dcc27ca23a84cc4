import { EmailField, NameField } from '../../common/dto-fields';

export class CreateUserDto {
  @EmailField() email: string;
  @NameField({ max: 100, optional: true, example: 'Ada' }) firstName?: string;
  @NameField({ max: 100, optional: true, example: 'Lovelace' }) lastName?: string;
}
