import { ApiProperty, ApiPropertyOptional, ApiUnauthorizedResponse } from '@nestjs/swagger';

/** The service envelope (src/edge/dialects/service.presenter.ts) of login, refresh, logout and /users/me. */
export class ServiceErrorDto {
  @ApiProperty({ example: 401 }) statusCode: number;
  @ApiProperty({ example: 'Unauthorized' }) error: string;
  @ApiProperty({ example: 'INVALID_CREDENTIALS' }) code: string;
  @ApiProperty({ example: 'Invalid email or password.' }) message: string;
  @ApiPropertyOptional({ type: [String], description: 'The fields at fault (400), one sentence each.', example: ['email must be an email'] }) details?: string[];
  /** PASSWORD_POLICY_VIOLATION: every rule the password breaks. */
  @ApiPropertyOptional({ type: () => [PolicyViolationDto], description: 'PASSWORD_POLICY_VIOLATION: every rule the password breaks.' }) violations?: PolicyViolationDto[];
  /** PASSWORD_CHANGE_REQUIRED: why (`expired`, `temporary`), the change token and its lifetime in seconds. */
  @ApiPropertyOptional({ enum: ['expired', 'temporary'], type: String, description: 'PASSWORD_CHANGE_REQUIRED: why the password is due.' }) reason?: string;
  @ApiPropertyOptional({ type: String, description: 'PASSWORD_CHANGE_REQUIRED: the change token, for POST /users/me/password only (one use).' }) change_token?: string;
  @ApiPropertyOptional({ type: 'integer', description: 'PASSWORD_CHANGE_REQUIRED: seconds the change token lives.', example: 600 }) expires_in?: number;
}

/** One broken rule of the password policy. */
export class PolicyViolationDto {
  @ApiProperty({ enum: ['minLength', 'maxLength', 'requiredClass', 'minClasses', 'common', 'userInfo', 'history'], type: String, example: 'minLength' }) rule: string;
  @ApiProperty({ example: 'Password must be at least 8 characters long.' }) message: string;
}

const envelope = (statusCode: number, error: string, code: string, message: string, details?: string[]) => ({
  statusCode, error, code, message, ...(details ? { details } : {}),
});

/** Example bodies for the Swagger document. */
export const SERVICE_EXAMPLES = {
  request: envelope(400, 'Bad Request', 'REQUEST_INVALID', 'The request body is invalid.', ['email is not a valid email address.']),
  invalidCredentials: envelope(401, 'Unauthorized', 'INVALID_CREDENTIALS', 'Invalid email or password.'),
  passwordChangeRequired: {
    ...envelope(403, 'Forbidden', 'PASSWORD_CHANGE_REQUIRED',
      'The password must be changed before signing in: send the new one to POST /users/me/password with Authorization: Bearer <change_token>.'),
    reason: 'temporary', change_token: 'eyJhbGciOiJFUzI1NiIsImtpZCI6InNpZy0uLi4iLCJ0eXAiOiJwYXNzd29yZC1jaGFuZ2Urand0In0.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl', expires_in: 600,
  },
  userDisabled: envelope(403, 'Forbidden', 'USER_DISABLED', 'This user is disabled.'),
  loginDisabled: envelope(409, 'Conflict', 'PASSWORD_LOGIN_DISABLED', "The user's account does not use passwords."),
  invalidRefresh: envelope(401, 'Unauthorized', 'INVALID_REFRESH_TOKEN', 'The refresh token is invalid, expired or revoked.'),
  unauthenticated: envelope(401, 'Unauthorized', 'UNAUTHENTICATED', 'Authentication is required: send X-Api-Key or Authorization: Bearer <token>.'),
  userTokenRequired: envelope(
    401, 'Unauthorized', 'UNAUTHENTICATED', "Authentication is required: send a user's access token as Authorization: Bearer <access_token> (an API key does not sign a user in).",
  ),
  invalidBearer: envelope(401, 'Unauthorized', 'INVALID_BEARER_TOKEN', 'The bearer token is invalid or has expired.'),
  rateLimited: envelope(429, 'Too Many Requests', 'RATE_LIMITED', 'Too many requests; try again later.'),
};

/**
 * The 401 of a route behind a session action (@Can('me.read'), …), documented the same everywhere: no bearer token
 * (an X-Api-Key is none), or one that is not valid for the route. `invalid`: the route's own wording of the latter.
 */
export function ApiAccessTokenUnauthorized(
  invalid: { description: string; summary: string } = {
    description: 'No, invalid or expired bearer token',
    summary: 'Invalid or expired access token, or one issued before a password change',
  },
): MethodDecorator & ClassDecorator {
  return ApiUnauthorizedResponse({
    type: ServiceErrorDto,
    description: invalid.description,
    examples: {
      missing: { summary: 'No bearer token (an X-Api-Key is none)', value: SERVICE_EXAMPLES.userTokenRequired },
      invalid: { summary: invalid.summary, value: SERVICE_EXAMPLES.invalidBearer },
    },
  });
}
