import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The service envelope (src/dialects/service.presenter.ts) of login, refresh, logout and /users/me. */
export class ServiceErrorDto {
  @ApiProperty({ example: 401 }) statusCode: number;
  @ApiProperty({ example: 'Unauthorized' }) error: string;
  @ApiProperty({ example: 'INVALID_CREDENTIALS' }) code: string;
  @ApiProperty({ example: 'Invalid email or password.' }) message: string;
  @ApiPropertyOptional({ type: [String] }) details?: string[];
}

const envelope = (statusCode: number, error: string, code: string, message: string, details?: string[]) => ({
  statusCode, error, code, message, ...(details ? { details } : {}),
});

/** Example bodies for the Swagger document. */
export const SERVICE_EXAMPLES = {
  request: envelope(400, 'Bad Request', 'REQUEST_INVALID', 'The request body is invalid.', ['email is not a valid email address.']),
  invalidCredentials: envelope(401, 'Unauthorized', 'INVALID_CREDENTIALS', 'Invalid email or password.'),
  passwordExpired: envelope(401, 'Unauthorized', 'PASSWORD_EXPIRED',
    'The password has expired. Reset it with POST /v1/auth/password-reset/request or POST /api/v2/account/recover/.'),
  loginDisabled: envelope(409, 'Conflict', 'PASSWORD_LOGIN_DISABLED', "The user's account does not use passwords."),
  invalidRefresh: envelope(401, 'Unauthorized', 'INVALID_REFRESH_TOKEN', 'The refresh token is invalid, expired or revoked.'),
  unauthenticated: envelope(401, 'Unauthorized', 'UNAUTHENTICATED', 'Authentication is required: send X-Api-Key or Authorization: Bearer <token>.'),
  invalidBearer: envelope(401, 'Unauthorized', 'INVALID_BEARER_TOKEN', 'The bearer token is invalid or has expired.'),
  rateLimited: envelope(429, 'Too Many Requests', 'RATE_LIMITED', 'Too many requests; try again later.'),
};
