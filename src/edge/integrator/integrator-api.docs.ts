import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse,
  ApiPayloadTooLargeResponse, ApiServiceUnavailableResponse, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import {
  DomainError, ForbiddenError, MalformedBodyError, PasswordAlreadySetError, PasswordLoginDisabledError, PasswordPolicyError, PayloadTooLargeError,
  RateLimitedError, RequestValidationError, StorageUnavailableError, UnauthenticatedError, UserNotFoundError,
} from '../../ground/common/errors/domain-errors';
import { D3Presenter } from '../dialects/d3.presenter';
import { D3BadRequestDto, D3CodeMessageDto, D3ErrorCodeDto } from './dto/d3-error-response.dto';
import { PasswordCreatedResponseDto } from './dto/password-created-response.dto';

/**
 * OpenAPI documentation of the D3 routes. The example error bodies are produced by the D3 presenter
 * itself, so the document shows exactly what the service answers.
 */
const presenter = new D3Presenter();
const body = (error: DomainError) => presenter.present(error).body;
const example = (summary: string, error: DomainError) => ({ summary, value: body(error) });

/** How `user_id` is documented (by IdParam in the controller). */
export const USER_ID_DOC = { description: 'The unique identifier of the user.', example: '6f1c2b9e-3a53-4c43-9d8c-2f4f7c1e8a10' };

const CommonErrors = applyDecorators(
  ApiUnauthorizedResponse({ description: 'No X-Api-Key, or an unknown or revoked key (one answer for all).', type: D3CodeMessageDto, example: body(new UnauthenticatedError()) }),
  ApiForbiddenResponse({ description: 'The key lacks the passwords:write scope, or is bound to another account than the user\'s.', type: D3ErrorCodeDto, example: body(new ForbiddenError()) }),
  ApiNotFoundResponse({ description: 'No user with this id.', type: D3CodeMessageDto, example: body(new UserNotFoundError()) }),
  ApiTooManyRequestsResponse({ description: 'Rate limited; Retry-After says when to come back.', type: D3CodeMessageDto, example: body(new RateLimitedError()) }),
  ApiServiceUnavailableResponse({ description: 'Storage is unavailable; nothing was changed and no token was issued.', type: D3CodeMessageDto, example: body(new StorageUnavailableError()) }),
);

export const CreatePasswordDocs = () =>
  applyDecorators(
    ApiOkResponse({
      description: 'The password is set. `expiryDate` is when it expires under the account policy (0 = never); `token` is an access token for the user.',
      type: PasswordCreatedResponseDto,
    }),
    ApiBadRequestResponse({
      description: 'The body is not valid JSON or does not have the form {"password":{"value":"..."}}.',
      type: D3BadRequestDto,
      examples: {
        missing: example('password.value missing', new RequestValidationError([{ path: 'password.value', kind: 'required' }])),
        size: example('password.value empty or longer than 1024', new RequestValidationError([{ path: 'password.value', kind: 'size', params: { min: 1, max: 1024 } }])),
        type: example('password.value not a string', new RequestValidationError([{ path: 'password.value', kind: 'type', params: { expected: 'string' } }])),
        unknown: example('an unknown field', new RequestValidationError([{ path: 'role', kind: 'unknown' }])),
        json: example('malformed JSON', new MalformedBodyError('json')),
      },
    }),
    CommonErrors,
    ApiConflictResponse({
      description:
        'The password cannot be created. Checked in this order, the first failure answers: account without password sign-in ' +
        '(PASSWORD_PROFILE_NOT_CONFIGURED_FOR_CREDENTIAL_TYPE), user already has a password (PASSWORD_ALREADY_CREATED), then the ' +
        'policy: PASSWORD_TOO_SHORT, PASSWORD_TOO_LONG, PASSWORD_TOO_SIMPLE (missing character class, too few classes, common ' +
        'password, contains the user\'s email or name), PASSWORD_KEY_ALREADY_IN_USE (one of the last N passwords).',
      type: D3ErrorCodeDto,
      examples: {
        short: example('shorter than the policy minimum', new PasswordPolicyError([{ rule: 'minLength', min: 8 }])),
        long: example('longer than the policy maximum', new PasswordPolicyError([{ rule: 'maxLength', max: 30 }])),
        simple: example('a class missing, or a common password', new PasswordPolicyError([{ rule: 'requiredClass', charClass: 'digit' }])),
        reused: example('one of the last N passwords', new PasswordPolicyError([{ rule: 'history', size: 5 }])),
        created: example('the user already has a password', new PasswordAlreadySetError()),
        profile: example('the account does not use passwords', new PasswordLoginDisabledError()),
      },
    }),
    ApiPayloadTooLargeResponse({ description: 'The body exceeds 100 kB.', type: D3CodeMessageDto, example: body(new PayloadTooLargeError()) }),
  );

export const RemovePasswordDocs = () =>
  applyDecorators(
    ApiNoContentResponse({ description: 'The user has no password now (idempotent). The removed one stays in the history and cannot be created again while among the last N.' }),
    CommonErrors,
  );
