import { ApiProperty } from '@nestjs/swagger';

/** D4 recover answer: the same for every address (SECURITY.md C1). */
export class RecoveryRequestedResponseDto {
  @ApiProperty({ example: 'If an account with this email address exists, a validation code has been sent to it.' })
  detail: string;

  static create(): RecoveryRequestedResponseDto {
    return { detail: 'If an account with this email address exists, a validation code has been sent to it.' };
  }
}
