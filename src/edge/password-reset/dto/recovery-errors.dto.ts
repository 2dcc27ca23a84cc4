import { ApiProperty } from '@nestjs/swagger';

/** D4's error not about a field, Django REST Framework style (src/edge/dialects/d4.presenter.ts). */
export class D4DetailErrorDto {
  @ApiProperty({ description: 'One sentence.', example: 'Service temporarily unavailable, try again later.' })
  detail: string;
}

/** D4's field errors: each field at fault with its sentences (src/edge/dialects/d4.presenter.ts). */
export const D4_FIELD_ERRORS_SCHEMA = {
  type: 'object',
  description: 'Field errors: each field at fault with its sentences, e.g. {"password": ["This password is too short. It must contain at least 8 characters."]}.',
  additionalProperties: { type: 'array', items: { type: 'string' } },
} as const;

/** D5's error: one sentence, lower case (src/edge/dialects/d5.presenter.ts). */
export class D5ErrorDto {
  @ApiProperty({ description: 'One sentence, lower case, no final period.', example: 'password must be at least 8 characters' })
  error: string;
}
