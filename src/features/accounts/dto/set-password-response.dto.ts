import { ApiProperty } from '@nestjs/swagger';

export class SetPasswordDataDto {
  @ApiProperty() account_id: string;
  @ApiProperty() user_id: string;
  /** The account's name. */
  @ApiProperty({ example: 'Acme Corp' }) account: string;
  @ApiProperty({ format: 'email' }) email: string;
}

/** D1 success (seed 000): `{"data":{"account_id","user_id","account","email"}}`. */
export class SetPasswordResponseDto {
  @ApiProperty({ type: SetPasswordDataDto }) data: SetPasswordDataDto;
}

/** D1 error (seed 000): `{"error":"<one sentence>"}`. */
export class D1ErrorDto {
  @ApiProperty({ example: 'The set-password token is invalid, has expired or has already been used.' }) error: string;
}
