import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiExtraModels, ApiInternalServerErrorResponse, ApiOkResponse, ApiPayloadTooLargeResponse, ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse, getSchemaPath,
} from '@nestjs/swagger';
import {
  DomainError, InternalError, InvalidTokenError, MalformedBodyError, PasswordPolicyError, PayloadTooLargeError, RateLimitedError, RequestValidationError,
  StorageUnavailableError,
} from '../../ground/common/errors/domain-errors';
import { D4Presenter } from '../dialects/d4.presenter';
import { D5Presenter } from '../dialects/d5.presenter';
import { DEFAULT_PASSWORD_POLICY } from '../../core/password/password-policy';
import { PasswordResetResponseDto } from './dto/password-reset-response.dto';
import { RecoveryRequestedResponseDto } from './dto/recovery-requested-response.dto';
import { RecoveryTokenResponseDto } from './dto/recovery-token-response.dto';
import { ResetCodeRequestedResponseDto } from './dto/reset-code-requested-response.dto';
import { D4_FIELD_ERRORS_SCHEMA, D4DetailErrorDto, D5ErrorDto } from './dto/recovery-errors.dto';

/**
 * OpenAPI documentation of the D4 and D5 routes. Example error bodies come from the dialects'
 * presenters, so the document shows exactly what the service answers. docs/recovery.md has the limits.
 */
const d4 = new D4Presenter();
const d5 = new D5Presenter();
const ex = (p: D4Presenter | D5Presenter, summary: string, error: DomainError) => ({ summary, value: p.present(error).body });

/** Every error body's schema: D4 `{detail}` (field errors only in a 400: D4_400), D5 `{error}`. */
const schemaOf = (p: D4Presenter | D5Presenter) => ({ $ref: getSchemaPath(p === d4 ? D4DetailErrorDto : D5ErrorDto) });
const D4_400 = { oneOf: [D4_FIELD_ERRORS_SCHEMA, { $ref: getSchemaPath(D4DetailErrorDto) }] };

const common = (p: D4Presenter | D5Presenter, limited: string) =>
  applyDecorators(
    ApiExtraModels(D4DetailErrorDto, D5ErrorDto),
    ApiTooManyRequestsResponse({ description: `${limited} Retry-After says when to come back.`, schema: schemaOf(p), example: p.present(new RateLimitedError(600)).body }),
    ApiPayloadTooLargeResponse({ description: 'The body is larger than 100 kB.', schema: schemaOf(p), example: p.present(new PayloadTooLargeError()).body }),
    ApiServiceUnavailableResponse({ description: 'Storage is unavailable; nothing was changed.', schema: schemaOf(p), example: p.present(new StorageUnavailableError()).body }),
    ApiInternalServerErrorResponse({ description: 'An unexpected failure; nothing was changed.', schema: schemaOf(p), example: p.present(new InternalError()).body }),
  );

const SAME_ANSWER = 'The same answer whether or not the address belongs to an account. At most 3 codes are mailed per address per 15 minutes (D4 and D5 together); further requests get the same answer and send nothing.';

export const RecoverDocs = () =>
  applyDecorators(
    ApiOkResponse({ description: SAME_ANSWER, type: RecoveryRequestedResponseDto }),
    ApiBadRequestResponse({
      description: 'Field errors, Django REST Framework style.',
      schema: D4_400,
      examples: {
        required: ex(d4, 'email missing', new RequestValidationError([{ path: 'email', kind: 'required' }])),
        format: ex(d4, 'not one email address', new RequestValidationError([{ path: 'email', kind: 'format', params: { format: 'email address' } }])),
        json: ex(d4, 'malformed JSON', new MalformedBodyError('json')),
      },
    }),
    common(d4, 'More than 20 recovery requests from this client in 15 minutes.'),
  );

export const RecoveryResetDocs = () =>
  applyDecorators(
    ApiOkResponse({ description: 'The password is reset and the user is logged in; every earlier session has ended.', type: RecoveryTokenResponseDto }),
    ApiBadRequestResponse({
      description: "Field errors, Django REST Framework style; policy failures (every failed rule) under \"password\". A rejected password leaves the code usable.",
      schema: D4_400,
      examples: {
        code: ex(d4, 'unknown, used, expired or burned code', new InvalidTokenError()),
        required: ex(d4, 'fields missing', new RequestValidationError([{ path: 'validation_code', kind: 'required' }, { path: 'password', kind: 'required' }])),
        policy: ex(d4, 'password policy', new PasswordPolicyError([{ rule: 'minLength', min: 8 }, { rule: 'minClasses', min: 3, actual: 1 }])),
        json: ex(d4, 'malformed JSON', new MalformedBodyError('json')),
      },
    }),
    common(d4, 'More than 10 failed resets from this client in 15 minutes.'),
  );

export const ResetCodeRequestDocs = () =>
  applyDecorators(
    ApiOkResponse({ description: SAME_ANSWER, type: ResetCodeRequestedResponseDto }),
    ApiBadRequestResponse({
      description: 'One sentence.',
      schema: schemaOf(d5),
      examples: {
        required: ex(d5, 'email missing', new RequestValidationError([{ path: 'email', kind: 'required' }])),
        format: ex(d5, 'not one email address', new RequestValidationError([{ path: 'email', kind: 'format', params: { format: 'email address' } }])),
      },
    }),
    common(d5, 'More than 20 reset requests from this client in 15 minutes.'),
  );

export const ResetWithCodeDocs = () =>
  applyDecorators(
    ApiOkResponse({ description: 'Password reset successfully; every session of the user has ended.', type: PasswordResetResponseDto }),
    ApiBadRequestResponse({
      description: 'One sentence: the first failure (see docs/recovery.md for the order). A rejected password leaves the code usable.',
      schema: schemaOf(d5),
      examples: {
        missing_fields: ex(d5, 'Missing code or password', new RequestValidationError([{ path: 'code', kind: 'required' }])),
        short_password: ex(d5, 'Password too short', new PasswordPolicyError([{ rule: 'minLength', min: 8 }], DEFAULT_PASSWORD_POLICY)),
        weak_password: ex(d5, 'Password lacks complexity', new PasswordPolicyError([{ rule: 'requiredClass', charClass: 'special' }], DEFAULT_PASSWORD_POLICY)),
        invalid_code: ex(d5, 'Reset code is invalid or expired', new InvalidTokenError()),
      },
    }),
    common(d5, 'More than 10 failed resets from this client in 15 minutes; or, once 25 have failed from all clients together, any code but the newest one requested from this network (which still works, with 3 more failures allowed).'),
  );
