import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export const ACCOUNT_USERS_PAGE_DEFAULT = 20;
export const ACCOUNT_USERS_PAGE_MAX = 100;

/** Query of `GET /accounts/{id}/users`. */
export class ListAccountUsersQueryDto {
  @ApiPropertyOptional({
    description: 'Only the user with this email: an exact match on the normalized address (Unicode NFKC, lower-case), so `Ada@Example.com` finds `ada@example.com`.',
    example: 'ada@example.com',
  })
  @IsOptional() @IsString() @Length(1, 320, { context: { params: { min: 1, max: 320 } } })
  email?: string;

  @ApiPropertyOptional({ description: 'The `next_cursor` of the previous page, as given (opaque).' })
  @IsOptional() @IsString() @Length(1, 200, { context: { params: { min: 1, max: 200 } } })
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: ACCOUNT_USERS_PAGE_MAX, default: ACCOUNT_USERS_PAGE_DEFAULT, description: 'Users per page.' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value))
  @IsInt() @Min(1) @Max(ACCOUNT_USERS_PAGE_MAX)
  limit?: number;
}
