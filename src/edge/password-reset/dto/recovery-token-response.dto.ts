import { ApiProperty } from '@nestjs/swagger';
import type { tokenBody } from '../../../core/sessions/sessions.service';

/** The `Token` schema of seed 003. */
export class RecoveryTokenDto {
  @ApiProperty() access_token: string;
  @ApiProperty({ description: 'Lifetime of the access token in seconds', example: 900 }) expires_in: number;
  @ApiProperty({ example: 'Bearer' }) token_type: string;
  @ApiProperty() refresh_token: string;
  @ApiProperty({ example: 'password-lifecycle' }) client_id: string;
  @ApiProperty({ example: 'user' }) scope: string;
}

/** D4 reset answer: `{"token":{...}}`, the user is logged in. */
export class RecoveryTokenResponseDto {
  @ApiProperty({ type: RecoveryTokenDto }) token: RecoveryTokenDto;

  static from(body: ReturnType<typeof tokenBody>): RecoveryTokenResponseDto {
    const t = body.token;
    return {
      token: {
        access_token: t.access_token,
        expires_in: t.expires_in,
        token_type: t.token_type,
        refresh_token: t.refresh_token,
        client_id: t.client_id,
        scope: t.scope,
      },
    };
  }
}
