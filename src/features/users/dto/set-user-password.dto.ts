import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { StringField } from '../../../ground/common/dto-fields';

/** PUT /users/{id}/password: an administrator sets the user's password (CONTRACT.md "A change the user must make"). */
export class SetUserPasswordDto {
  /** The new password; the user's account policy and history apply. */
  // No usable example: Swagger UI pre-fills it, and a password anyone can read in the document, executed as-is,
  // would let anyone who knows the address sign in first and choose their own (the change token).
  @StringField({ max: 4096, example: '?', description: "The new password; the user's account policy and history apply. Choose one: the example is no password on purpose, and every policy refuses it." })
  password: string;

  /**
   * True (the default): the user must change it at the next login (SECURITY.md F5: a password an administrator
   * chose must not become long-term). False: an ordinary password.
   */
  @ApiPropertyOptional({
    type: Boolean, default: true, example: true,
    description: 'True (the default): the next login answers 403 PASSWORD_CHANGE_REQUIRED with a change token instead of a session. False: an ordinary password.',
  })
  @IsOptional() @IsBoolean()
  temporary?: boolean;
}
