import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsObject, ValidateNested } from 'class-validator';
import { StringField } from '../../../ground/common/dto-fields';

/**
 * Longest `password.value` the request accepts. Bigger values are a 400 SIZE before any normalization
 * or hashing (SECURITY.md J1); the account policy's own maxLength (≤ 1024) then answers PASSWORD_TOO_LONG.
 */
export const MAX_PASSWORD_INPUT = 1024;

export class PasswordValueDto {
  /** The new password, in clear over TLS. Never stored, logged or echoed. */
  @StringField({ max: MAX_PASSWORD_INPUT, example: 'Tr0ub4dor&3x', description: 'The new password. The account policy decides what is accepted (seed: 8–30 characters, lower, upper, digit and special, not one of the last 5).' })
  value: string;
}

/** D3 request body: `{"password":{"value":"..."}}`. */
export class CreatePasswordDto {
  @ApiProperty({ type: PasswordValueDto, description: "The user's password, used to log the user in." })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PasswordValueDto)
  password: PasswordValueDto;
}
