import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export const ACCOUNTS_PAGE_DEFAULT = 20;
export const ACCOUNTS_PAGE_MAX = 100;

/** Query of `GET /accounts`. */
export class ListAccountsQueryDto {
  @ApiPropertyOptional({ description: 'The `next` of the previous page, as given (opaque).' })
  @IsOptional() @IsString() @Length(1, 200, { context: { params: { min: 1, max: 200 } } })
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: ACCOUNTS_PAGE_MAX, default: ACCOUNTS_PAGE_DEFAULT, description: 'Accounts per page.' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value))
  @IsInt() @Min(1) @Max(ACCOUNTS_PAGE_MAX)
  limit?: number;
}
