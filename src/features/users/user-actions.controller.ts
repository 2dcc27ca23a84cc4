import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiConflictResponse, ApiForbiddenResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse,
  ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Caller } from '../../access/caller';
import { Can, Principal } from '../../access/decorators/auth.decorators';
import { SERVICE_EXAMPLES, ServiceErrorDto } from '../../ground/common/openapi/service-error.dto';
import { AccountNotFoundError, UserNotFoundError } from '../../ground/common/errors/domain-errors';
import { IdParam } from '../../ground/common/id-param';
import { ListAccountUsersQueryDto } from './dto/list-account-users.query.dto';
import { IMPORT_HASH_EXAMPLES, ImportPasswordHashDto } from './dto/import-password-hash.dto';
import { SetUserPasswordDto } from './dto/set-user-password.dto';
import { UserEnvelopeDto } from './dto/user-response.dto';
import { AccountUsersPageDto, PasswordHashImportedEnvelopeDto, UserMailSentEnvelopeDto } from './dto/user-action-response.dto';
import { UserActionsService } from './user-actions.service';
import { API_TAGS } from '../../ground/common/openapi/tags';
import { ApiAdminMalformedRequest, ApiAdminRateLimited } from '../../ground/common/openapi/admin-errors';

const envelope = (statusCode: number, error: string, code: string, message: string, details?: string[]) => ({ statusCode, error, code, message, ...(details ? { details } : {}) });
const UNAUTHORIZED = { type: ServiceErrorDto, description: 'No credentials, or an unknown, revoked or expired key or token.', example: SERVICE_EXAMPLES.unauthenticated };
const FORBIDDEN_USER = {
  type: ServiceErrorDto,
  description: "The caller lacks users:write, or is bound to another account than the user's (an account-bound key or client token, an owner's or admin's login).",
  example: envelope(403, 'Forbidden', 'FORBIDDEN', 'The credentials do not allow this operation.'),
};
const NOT_FOUND_USER = { type: ServiceErrorDto, example: envelope(404, 'Not Found', 'USER_NOT_FOUND', 'No such user.') };

/** Admin actions on one user (CONTRACT.md "Callers with JWT bearer tokens"). Errors in the service envelope. */
// The scope is on each route, not the class: the document's security then names the one scope a route
// takes (a class-level scope would be listed beside the import's admin).
@ApiTags(API_TAGS.users.name)
@Controller('users')
export class UserActionsController {
  constructor(private readonly actions: UserActionsService) {}

  @Post(':id/invitation')
  @Can('users.invitation.send')
  @HttpCode(202)
  @ApiAdminMalformedRequest()
  @ApiOperation({
    summary: 'Resend the invitation',
    description:
      'Issues a new D1 set-password token and emails the user a new invitation with its link (the account\'s link template, else INVITATION_LINK or the ' +
      'service page). The older invitation token dies at once. For a user without a password only; one resend per user per minute. No body. ' +
      'Audited as `user.invitation_sent`.',
  })
  @ApiAcceptedResponse({ type: UserMailSentEnvelopeDto, description: 'The invitation is queued for delivery (durable outbox)' })
  @ApiUnauthorizedResponse(UNAUTHORIZED)
  @ApiForbiddenResponse(FORBIDDEN_USER)
  @ApiNotFoundResponse({ ...NOT_FOUND_USER, description: 'No such user, or the user is deactivated (nothing is mailed to a deactivated user)' })
  @ApiConflictResponse({ type: ServiceErrorDto, description: 'The user already has a password: send a password reset instead', example: envelope(409, 'Conflict', 'PASSWORD_ALREADY_SET', 'The user already has a password.') })
  @ApiTooManyRequestsResponse({ type: ServiceErrorDto, description: 'An invitation was resent to this user less than a minute ago (see Retry-After), or the caller\'s rate limit', example: SERVICE_EXAMPLES.rateLimited })
  resendInvitation(@IdParam('id', UserNotFoundError) id: string, @Principal() caller: Caller): Promise<UserMailSentEnvelopeDto> {
    return this.actions.resendInvitation(id, caller);
  }

  @Post(':id/password-reset')
  @Can('users.passwordReset.send')
  @HttpCode(202)
  @ApiAdminMalformedRequest()
  @ApiOperation({
    summary: 'Email the user a password reset code',
    description:
      'Emails the user a D5 reset code and its link, the same email and code as POST /v1/auth/password-reset/request, issued through the same path: ' +
      'a new code voids the older one, and the mail counts toward the address\'s cap (3 recovery emails per address per 15 minutes, D4 and D5 ' +
      'requests included). The user resets with POST /v1/auth/password-reset/reset or the page behind the link. No body. Audited as `user.password_reset_sent`.',
  })
  @ApiAcceptedResponse({ type: UserMailSentEnvelopeDto, description: 'The reset email is queued for delivery (durable outbox)' })
  @ApiUnauthorizedResponse(UNAUTHORIZED)
  @ApiForbiddenResponse(FORBIDDEN_USER)
  @ApiNotFoundResponse({ ...NOT_FOUND_USER, description: 'No such user, or the user is deactivated (nothing is mailed to a deactivated user)' })
  @ApiTooManyRequestsResponse({ type: ServiceErrorDto, description: 'The address\'s recovery mail cap is spent (see Retry-After): no code was issued; or the caller\'s rate limit', example: SERVICE_EXAMPLES.rateLimited })
  sendPasswordReset(@IdParam('id', UserNotFoundError) id: string, @Principal() caller: Caller): Promise<UserMailSentEnvelopeDto> {
    return this.actions.sendPasswordReset(id, caller);
  }

  @Put(':id/password-hash')
  // Replacing a password with one the caller chose is a takeover if misused: an operator's right (admin),
  // not an account admin's (users:write), like D3's passwords:write is kept from the roles.
  @Can('passwords.import')
  @HttpCode(200)
  @ApiAdminRateLimited()
  @ApiOperation({
    summary: "Import the user's existing password hash",
    description:
      'Moves a user here from another system without a password reset: the hash their password has there (bcrypt, argon2 PHC, Django ' +
      'pbkdf2_sha256 or a Firebase scrypt export with the project\'s parameters) becomes their password. Like a password set, the previous ' +
      'password moves to the history (and the imported one enters it: setting the same password later is refused by the history rule), and ' +
      'every session and outstanding code or invitation ends; no email is sent. The user logs in with their password; that first login rehashes ' +
      'it into the configured scheme (PASSWORD_HASH). Costs are bounded (bcrypt cost 4-15, PBKDF2 1,000-1,200,000 iterations, argon2 ' +
      'm ≤ 64 MiB, t ≤ 4, scrypt N ≤ 2^17 and 128 MiB). The hash is never answered back, logged or audited. Audited as `password.imported`. ' +
      'Needs the admin scope (an operator\'s migration tool): not an account owner\'s or admin\'s login, and never a key bound to an account for a super admin.',
  })
  @ApiBody({ type: ImportPasswordHashDto, examples: Object.fromEntries(Object.entries(IMPORT_HASH_EXAMPLES).map(([name, { summary, value }]) => [name, { summary, value }])) })
  @ApiOkResponse({ type: PasswordHashImportedEnvelopeDto, description: 'Imported: the user\'s password is the one the hash was made from' })
  @ApiBadRequestResponse({
    type: ServiceErrorDto,
    description: 'A malformed, unknown or out-of-bounds field: an unknown format, a hash that is not of the format or exceeds its cost bounds, a Firebase parameter missing (or given with another format); `details` names the field.',
    examples: {
      hash: {
        summary: 'A hash that is not of its format',
        value: envelope(400, 'Bad Request', 'REQUEST_INVALID', 'The request body is invalid.', ['hash is not a valid bcrypt hash ($2a$, $2b$ or $2y$, cost 4-15).']),
      },
      format: { summary: 'An unknown format', value: envelope(400, 'Bad Request', 'REQUEST_INVALID', 'The request body is invalid.', ['format must be one of the allowed values.']) },
    },
  })
  @ApiUnauthorizedResponse(UNAUTHORIZED)
  @ApiForbiddenResponse({
    type: ServiceErrorDto,
    description: "The caller lacks the admin scope (a super admin, or an admin key: an account's owner or admin may not replace passwords), is bound to another account than the user's, or is bound to an account and the user is a super admin.",
    example: envelope(403, 'Forbidden', 'FORBIDDEN', 'The credentials do not allow this operation.'),
  })
  @ApiNotFoundResponse({ ...NOT_FOUND_USER, description: 'No such user' })
  importPasswordHash(@IdParam('id', UserNotFoundError) id: string, @Body() dto: ImportPasswordHashDto, @Principal() caller: Caller): Promise<PasswordHashImportedEnvelopeDto> {
    return this.actions.importPasswordHash(id, dto, caller);
  }

  @Put(':id/password')
  @Can('passwords.setByAdmin')
  @HttpCode(200)
  @ApiOperation({
    summary: "Set the user's password (temporary by default)",
    description:
      'Sets the password you chose through the same pipeline as every dialect (the account\'s policy and history, hashing). ' +
      '`temporary` (default true): the next login with it answers 403 `PASSWORD_CHANGE_REQUIRED` with a `change_token` for ' +
      '`POST /users/me/password` instead of a session, so the user chooses their own. Every session of the user ends; the user is told ' +
      'by email. Never a user above the caller (a super admin, an owner for an admin: 403). Audited as `password.set` (dialect `temporary` or `admin`).',
  })
  @ApiOkResponse({ type: UserEnvelopeDto, description: 'The user' })
  @ApiUnauthorizedResponse(UNAUTHORIZED)
  @ApiForbiddenResponse({ ...FORBIDDEN_USER, description: "The caller lacks users:write, is bound to another account than the user's, or the user is above the caller." })
  @ApiNotFoundResponse({ ...NOT_FOUND_USER, description: 'No such user' })
  @ApiBadRequestResponse({
    type: ServiceErrorDto,
    description: 'An invalid body (REQUEST_INVALID), or a password the policy refuses (PASSWORD_POLICY_VIOLATION, every violation listed).',
    examples: {
      policy: {
        summary: 'The policy refuses the password',
        value: {
          statusCode: 400, error: 'Bad Request', code: 'PASSWORD_POLICY_VIOLATION', message: 'The password does not meet the password policy.',
          details: ['Password must be at least 8 characters long.'], violations: [{ rule: 'minLength', message: 'Password must be at least 8 characters long.' }],
        },
      },
    },
  })
  @ApiConflictResponse({ type: ServiceErrorDto, description: "The user's account does not use passwords", example: envelope(409, 'Conflict', 'PASSWORD_LOGIN_DISABLED', "The user's account does not use passwords.") })
  @ApiTooManyRequestsResponse({ type: ServiceErrorDto, description: "The caller's rate limit", example: SERVICE_EXAMPLES.rateLimited })
  setPassword(@IdParam('id', UserNotFoundError) id: string, @Body() dto: SetUserPasswordDto, @Principal() caller: Caller): Promise<UserEnvelopeDto> {
    return this.actions.setPassword(id, dto, caller);
  }

  @Delete(':id/sessions')
  @Can('users.sessions.end')
  @HttpCode(204)
  @ApiAdminMalformedRequest()
  @ApiAdminRateLimited()
  @ApiOperation({
    summary: "End the user's sessions",
    description:
      'Revokes every refresh token of the user and refuses every access token issued before (as a password change does); the user logs in again. ' +
      'The password and any emailed code or invitation stay valid. Also works for a deactivated user. Audited as `session.revoked` with reason `admin`.',
  })
  @ApiNoContentResponse({ description: 'Every session ended' })
  @ApiUnauthorizedResponse(UNAUTHORIZED)
  @ApiForbiddenResponse(FORBIDDEN_USER)
  @ApiNotFoundResponse({ ...NOT_FOUND_USER, description: 'No such user' })
  async endSessions(@IdParam('id', UserNotFoundError) id: string, @Principal() caller: Caller): Promise<void> {
    await this.actions.endSessions(id, caller);
  }
}

/** GET /accounts/{id}/users. */
@ApiTags(API_TAGS.accounts.name)
@Controller('accounts')
export class AccountUsersController {
  constructor(private readonly actions: UserActionsService) {}

  @Get(':id/users')
  @Can('accounts.users.list')
  @ApiAdminRateLimited()
  @ApiOperation({
    summary: "List an account's users",
    description:
      'Newest first (by creation, then id), one page at a time: pass `next_cursor` back as `cursor` until it is null. `email` finds the user with that ' +
      'address (exact match on the normalized address: case and Unicode compatibility forms do not matter). Each user as GET /users/{id} shows it, never a hash.',
  })
  @ApiOkResponse({ type: AccountUsersPageDto })
  @ApiBadRequestResponse({
    type: ServiceErrorDto,
    description: 'The cursor, the limit or the email is invalid, or an unknown query parameter was given.',
    examples: {
      cursor: { summary: 'A cursor this service did not issue', value: envelope(400, 'Bad Request', 'REQUEST_INVALID', 'The query string is invalid.', ['cursor is not a valid cursor from a previous page.']) },
      limit: { summary: 'limit outside 1..100', value: envelope(400, 'Bad Request', 'REQUEST_INVALID', 'The query string is invalid.', ['limit is out of range.']) },
    },
  })
  @ApiUnauthorizedResponse(UNAUTHORIZED)
  @ApiForbiddenResponse({ ...FORBIDDEN_USER, description: 'The caller lacks users:write, or is bound to another account' })
  @ApiNotFoundResponse({ type: ServiceErrorDto, description: 'No such account', example: envelope(404, 'Not Found', 'ACCOUNT_NOT_FOUND', 'No such account.') })
  list(@IdParam('id', AccountNotFoundError) id: string, @Query() query: ListAccountUsersQueryDto, @Principal() caller: Caller): Promise<AccountUsersPageDto> {
    return this.actions.listAccountUsers(id, query, caller);
  }
}
