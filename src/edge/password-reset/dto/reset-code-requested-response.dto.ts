import { ApiProperty } from '@nestjs/swagger';

/** D5 request answer: the same for every address (SECURITY.md C1). */
export class ResetCodeRequestedResponseDto {
  @ApiProperty({ example: 'if an account with that email exists, a password reset code has been sent' })
  message: string;

  static create(): ResetCodeRequestedResponseDto {
    return { message: 'if an account with that email exists, a password reset code has been sent' };
  }
}
