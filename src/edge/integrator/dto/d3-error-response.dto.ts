import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The error bodies D3 answers with (src/edge/dialects/d3.presenter.ts builds them); for the OpenAPI document. */
export const D3_FIELD_ERRORS = ['REQUIRED', 'HAS_TEXT', 'REQUIRES', 'SIZE', 'RANGE', 'IN', 'NOT_IN', 'REGEX', 'EXACTLY', 'AT_LEAST', 'AT_MOST', 'ALL_OR_NONE'] as const;
export const D3_CONFLICT_CODES = [
  'UNRESOLVED_IDENTITY', 'PASSWORD_PROFILE_NOT_CONFIGURED_FOR_CREDENTIAL_TYPE', 'PASSWORD_TOO_SHORT', 'PASSWORD_TOO_LONG',
  'PASSWORD_TOO_SIMPLE', 'PASSWORD_KEY_ALREADY_IN_USE', 'PASSWORD_ALREADY_CREATED',
] as const;

export class D3InvalidFieldDto {
  @ApiProperty({ example: 'password.value' }) fieldName: string;
  @ApiProperty({ enum: D3_FIELD_ERRORS, example: 'SIZE' }) error: string;
  @ApiProperty({ type: 'array', items: {}, example: [1, 1024], description: 'The rule\'s parameters, e.g. [min, max] for SIZE.' }) params: Array<string | number>;
}

export class D3SyntaxErrorsDto {
  @ApiProperty({ type: [D3InvalidFieldDto] }) invalidFields: D3InvalidFieldDto[];
}

export class D3BadRequestDto {
  @ApiPropertyOptional({ example: 'The request body is invalid; see syntaxErrors.invalidFields.' }) message: string;
  @ApiProperty({ type: D3SyntaxErrorsDto }) syntaxErrors: D3SyntaxErrorsDto;
}

export class D3ErrorCodeDto {
  @ApiProperty({ example: 'PASSWORD_TOO_SHORT' }) errorCode: string;
}

export class D3CodeMessageDto {
  @ApiProperty({ example: 'USER_NOT_FOUND' }) code: string;
  @ApiProperty({ example: 'No user with this id.' }) message: string;
}
