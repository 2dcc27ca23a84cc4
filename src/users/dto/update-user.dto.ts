import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { Locale, SUPPORTED_LOCALES } from '../../common/locale';

/** PATCH /users/{id}: the fields an administrator may change. A field left out stays as it is. */
export class UpdateUserDto {
  /** The language the user is written to in; null clears it (the language is then negotiated per request). */
  @ApiPropertyOptional({ enum: SUPPORTED_LOCALES, type: String, nullable: true, example: 'de' })
  @IsOptional() @IsIn(SUPPORTED_LOCALES)
  locale?: Locale | null;
}
