import { ApiProperty } from '@nestjs/swagger';

export class D2ErrorDetailDto {
  @ApiProperty({ example: 'VALIDATION_ERROR' }) code: string;
  @ApiProperty({ example: 'Password validation failed' }) message: string;
  @ApiProperty({ type: [String], example: ['Password must be at least 8 characters long'] }) details: string[];
}

/** The D2 error envelope (seed 001). */
export class D2ErrorDto {
  @ApiProperty({ example: false }) success: false;
  @ApiProperty({ type: D2ErrorDetailDto }) error: D2ErrorDetailDto;
}

const envelope = (code: string, message: string, details: string[] = []) => ({ success: false, error: { code, message, details } });

/** Example bodies for the Swagger document. */
export const D2_EXAMPLES = {
  policy: envelope('VALIDATION_ERROR', 'Password validation failed', [
    'Password must be at least 8 characters long', 'Password must contain at least one number', 'Password must contain at least one special character',
  ]),
  request: envelope('VALIDATION_ERROR', 'Validation failed', ['Email must be a valid email address']),
  invalidToken: envelope('INVALID_TOKEN', 'Invalid or expired token'),
  alreadySet: envelope('PASSWORD_ALREADY_SET', 'User already has a password set'),
  unauthorized: envelope('UNAUTHORIZED', 'Authorization header with a Bearer token is required'),
  userNotFound: envelope('USER_NOT_FOUND', 'User not found'),
  rateLimited: envelope('RATE_LIMITED', 'Too many requests, please try again later'),
  internal: envelope('INTERNAL_ERROR', 'An unexpected error occurred'),
  unavailable: envelope('SERVICE_UNAVAILABLE', 'The service is temporarily unavailable, please try again later'),
};
