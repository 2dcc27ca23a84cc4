import { ApiProperty } from '@nestjs/swagger';
import { StringField } from '../../../ground/common/dto-fields';

/** POST /users/me/password (CONTRACT.md "Changing a password while signed in"). */
export class ChangePasswordDto {
  /** The password the user signs in with now: required with an access token; left out with a change token (the login proved it). */
  @StringField({
    max: 4096, optional: true, example: 'Current-Pass-1!',
    description: 'The current password: required with an access token (a wrong one counts as a failed login); not needed with a change token.',
  })
  current_password?: string;

  /** The new password; the account's policy and history apply. */
  @StringField({ max: 4096, example: 'Brand-New-Pass-2!', description: "The new password; the user's account policy and history apply." })
  new_password: string;
}

/** The new session of the caller after a change. */
export class PasswordChangedDto {
  @ApiProperty({ format: 'uuid', example: '9b2e7d41-5c3a-4f86-b0d9-1e7a3c5f8b24' }) user_id: string;
  @ApiProperty({ description: 'A new access JWT (Authorization: Bearer); every earlier one, the one used included, is refused now.' }) access_token: string;
  @ApiProperty({ description: 'A new refresh token; every earlier session has ended.' }) refresh_token: string;
  @ApiProperty({ example: 'Bearer' }) token_type: 'Bearer';
  @ApiProperty({ description: 'Lifetime of the access token in seconds', example: 900 }) expires_in: number;
}

export class PasswordChangedEnvelopeDto {
  @ApiProperty({ type: PasswordChangedDto }) data: PasswordChangedDto;
}
