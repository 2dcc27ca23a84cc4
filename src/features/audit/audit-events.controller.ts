import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Caller } from '../../access/caller';
import { Can, Principal } from '../../access/decorators/auth.decorators';
import { SERVICE_EXAMPLES, ServiceErrorDto } from '../../ground/common/openapi/service-error.dto';
import { AuditEventsService } from './audit-events.service';
import { AuditEventPageDto } from './dto/audit-event-response.dto';
import { ListAuditEventsQueryDto } from './dto/list-audit-events.query.dto';
import { API_TAGS } from '../../ground/common/openapi/tags';
import { ApiAdminRateLimited } from '../../ground/common/openapi/admin-errors';

const badRequest = (details: string[]) => ({ statusCode: 400, error: 'Bad Request', code: 'REQUEST_INVALID', message: 'The query string is invalid.', details });

/** Stored security events (docs/audit.md). Errors in the service envelope (src/edge/dialects/service.presenter.ts). */
@ApiTags(API_TAGS.audit.name)
@Controller('audit-events')
export class AuditEventsController {
  constructor(private readonly events: AuditEventsService) {}

  @Get()
  @Can('audit.read')
  @ApiAdminRateLimited()
  @ApiOperation({
    summary: 'List audit events',
    description:
      'Newest first, one page at a time: pass `next` back as `cursor` until it is null. A global admin key (or a super admin) reads every account; ' +
      'an account-bound admin key, and an account\'s owner or admin with its access token, read only their own account. ' +
      'No event holds a secret, hash, password, code or email address.',
  })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiBadRequestResponse({
    type: ServiceErrorDto,
    description: 'A filter, the cursor or the limit is invalid, or an unknown query parameter was given.',
    examples: {
      cursor: { summary: 'A cursor this service did not issue', value: badRequest(['cursor is not a valid cursor from a previous page.']) },
      limit: { summary: 'limit outside 1..200', value: badRequest(['limit is out of range.']) },
      type: { summary: 'Unknown event type', value: badRequest(['type is not a valid value.']) },
    },
  })
  @ApiUnauthorizedResponse({ type: ServiceErrorDto, description: 'No credentials, or an unknown or revoked key, or an invalid or expired token.', example: SERVICE_EXAMPLES.unauthenticated })
  @ApiForbiddenResponse({
    type: ServiceErrorDto,
    description: 'The caller lacks scope admin and is no owner or admin of an account (a member), or is bound to another account than `account_id`.',
    example: { statusCode: 403, error: 'Forbidden', code: 'FORBIDDEN', message: 'The credentials do not allow this operation.' },
  })
  list(@Query() query: ListAuditEventsQueryDto, @Principal() caller: Caller): Promise<AuditEventPageDto> {
    return this.events.list(query, caller);
  }
}
