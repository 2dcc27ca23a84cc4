import { ApiProperty } from '@nestjs/swagger';

export class PasswordInfoDto {
  @ApiProperty({ description: 'The user (buyer) the password belongs to: the path user_id.', example: '6f1c2b9e-3a53-4c43-9d8c-2f4f7c1e8a10' })
  buyerId: string;

  @ApiProperty({ type: 'integer', description: 'Millisecond timestamp at which the password expires (account policy maxAgeDays); 0 = never.', example: 1767225600000 })
  expiryDate: number;
}

/** D3 200 body: `{"passwordInfo":{"buyerId","expiryDate"},"token"}`. Fields listed explicitly; no entity goes out. */
export class PasswordCreatedResponseDto {
  @ApiProperty({ type: PasswordInfoDto }) passwordInfo: PasswordInfoDto;

  @ApiProperty({ description: 'Access token (JWT) for the user, for the Authorization: Bearer header.', example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI2ZjFj…' })
  token: string;

  static from(userId: string, expiresAt: Date | null, token: string): PasswordCreatedResponseDto {
    return { passwordInfo: { buyerId: userId, expiryDate: expiresAt ? expiresAt.getTime() : 0 }, token };
  }
}
