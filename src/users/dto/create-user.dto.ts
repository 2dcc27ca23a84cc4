import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { Locale, SUPPORTED_LOCALES } from '../../common/locale';
import { EmailField, NameField } from '../../common/dto-fields';

export class CreateUserDto {
  @EmailField() email: string;
  @NameField({ max: 100, optional: true, example: 'Ada' }) firstName?: string;
  @NameField({ max: 100, optional: true, example: 'Lovelace' }) lastName?: string;
  /** The language the user is written to in; left out, it is negotiated per request. */
  @ApiPropertyOptional({ enum: SUPPORTED_LOCALES, type: String, example: 'en' }) @IsOptional() @IsIn(SUPPORTED_LOCALES) locale?: Locale;
}
