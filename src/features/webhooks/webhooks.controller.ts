import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../../access/caller';
import { Can, Principal } from '../../access/decorators/auth.decorators';
import { AccountNotFoundError, WebhookNotFoundError } from '../../ground/common/errors/domain-errors';
import { IdParam } from '../../ground/common/id-param';
import { ACCOUNT_NOT_FOUND, ApiAdminErrors, MALFORMED_REQUEST } from '../../ground/common/openapi/admin-errors';
import { API_TAGS } from '../../ground/common/openapi/tags';
import { CreateWebhookDto, UpdateWebhookDto } from './dto/webhook-request.dto';
import { WebhookEnvelopeDto, WebhookListResponseDto, WebhookWithSecretEnvelopeDto } from './dto/webhook-response.dto';
import { WebhooksService } from './webhooks.service';

const WEBHOOK_NOT_FOUND = { code: 'WEBHOOK_NOT_FOUND', message: 'No such webhook.', description: 'No such webhook in this account.' };
const FORBIDDEN = 'is neither an owner nor an admin of the account (by its access token), or is bound to another account';
const TARGET_REFUSED =
  'An invalid body (REQUEST_INVALID), or a URL this service does not send to (WEBHOOK_TARGET_REFUSED): not https://, with credentials or a fragment, ' +
  'or a host that does not resolve or resolves to a loopback, private, link-local, unique-local, shared or metadata address; `details` says which rule.';

/** The receiver's side, shown in the registration's description (and README "Webhooks"). */
const RECEIVER_EXAMPLE = [
  'Each event is a `POST` of `{"type","timestamp","data":{"user_id","account_id",…}}` signed by [Standard Webhooks 1.0]',
  '(https://www.standardwebhooks.com): headers `webhook-id` (the same on every retry: deduplicate on it), `webhook-timestamp`',
  'and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`; two during a secret rotation). Answer 2xx',
  'within 10 s; anything else is retried (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). Verify the raw body, for example in Node.js:',
  '',
  '```js',
  "const { Webhook } = require('standardwebhooks');",
  'const wh = new Webhook(process.env.WEBHOOK_SECRET); // the whsec_… secret from this answer',
  "app.post('/hooks/identity', express.raw({ type: 'application/json' }), (req, res) => {",
  '  let event;',
  '  try {',
  '    event = wh.verify(req.body.toString(), req.headers); // throws on a bad signature or a timestamp over 5 minutes off',
  '  } catch {',
  '    return res.sendStatus(400);',
  '  }',
  "  if (event.type === 'password.set' || event.type === 'sessions.revoked') endLocalSessions(event.data.user_id);",
  '  res.sendStatus(204);',
  '});',
  '```',
].join('\n');

/**
 * An account's webhook subscriptions (CONTRACT.md "Webhooks"; README "Webhooks"): scope admin, or the
 * account's owner or admin with its access token. Errors in the service envelope.
 */
@ApiTags(API_TAGS.webhooks.name)
@Controller('accounts/:id/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @Can('webhooks.manage')
  @ApiOperation({
    summary: 'Register a webhook',
    description:
      'Subscribes a URL to events about the account\'s users: `password.set` (`data.via`: `invitation`, `verification`, `integrator`, `recovery`, `reset`, ' +
      '`change`, `temporary`, `admin` or `import`), `password.removed`, `user.created`, `user.disabled`, `user.enabled`, `user.deleted`, `sessions.revoked`. ' +
      'Each event is queued in the transaction of the change it reports and sent off the request path. The answer holds the signing secret, shown once.\n\n' +
      RECEIVER_EXAMPLE,
  })
  @ApiCreatedResponse({ type: WebhookWithSecretEnvelopeDto, description: 'The webhook, with its secret (shown once)' })
  @ApiAdminErrors({
    scope: 'admin',
    forbidden: FORBIDDEN,
    badRequest: TARGET_REFUSED,
    badRequestDetail: 'url must name a host that resolves to public addresses only (not loopback, private, link-local, unique-local, shared or metadata)',
    notFound: ACCOUNT_NOT_FOUND,
    conflict: { code: 'WEBHOOK_LIMIT', message: 'The account has as many webhooks as it may; delete one first.', description: 'The account has 20 webhooks already.' },
  })
  create(@IdParam('id', AccountNotFoundError) id: string, @Body() dto: CreateWebhookDto, @Principal() caller: Caller): Promise<WebhookWithSecretEnvelopeDto> {
    return this.webhooks.create(id, dto, caller);
  }

  @Get()
  @Can('webhooks.list')
  @ApiOperation({ summary: "List the account's webhooks", description: 'Every webhook of the account, oldest first, with its state (enabled or paused, and why); never a secret.' })
  @ApiOkResponse({ type: WebhookListResponseDto, description: 'The webhooks' })
  @ApiAdminErrors({ scope: 'admin', forbidden: FORBIDDEN, badRequest: MALFORMED_REQUEST, notFound: ACCOUNT_NOT_FOUND })
  list(@IdParam('id', AccountNotFoundError) id: string, @Principal() caller: Caller): Promise<WebhookListResponseDto> {
    return this.webhooks.list(id, caller);
  }

  @Patch(':webhook_id')
  @Can('webhooks.manage')
  @ApiOperation({
    summary: 'Change, pause or resume a webhook',
    description:
      'Changes the fields given. `{"enabled":false}` pauses it: events are still queued but not sent. A webhook whose receiver failed every attempt for ' +
      '24 hours is paused the same way (`paused_reason: "failing"`, audit event `webhook.paused`). `{"enabled":true}` resumes it: every queued event is ' +
      'sent at once, with a fresh retry schedule and its original `webhook-id`. A new `url` is checked as at registration.',
  })
  @ApiOkResponse({ type: WebhookEnvelopeDto, description: 'The webhook' })
  @ApiAdminErrors({ scope: 'admin', forbidden: FORBIDDEN, badRequest: TARGET_REFUSED, badRequestDetail: 'enabled must be a boolean value', notFound: WEBHOOK_NOT_FOUND })
  update(
    @IdParam('id', WebhookNotFoundError) id: string,
    @IdParam('webhook_id', WebhookNotFoundError) webhookId: string,
    @Body() dto: UpdateWebhookDto,
    @Principal() caller: Caller,
  ): Promise<WebhookEnvelopeDto> {
    return this.webhooks.update(id, webhookId, dto, caller);
  }

  @Delete(':webhook_id')
  @Can('webhooks.manage')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook', description: 'Deletes the webhook and the events still queued for it; nothing more is sent to it.' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiAdminErrors({ scope: 'admin', forbidden: FORBIDDEN, badRequest: MALFORMED_REQUEST, notFound: WEBHOOK_NOT_FOUND })
  async delete(@IdParam('id', WebhookNotFoundError) id: string, @IdParam('webhook_id', WebhookNotFoundError) webhookId: string, @Principal() caller: Caller): Promise<void> {
    await this.webhooks.delete(id, webhookId, caller);
  }

  @Post(':webhook_id/secret')
  @Can('webhooks.manage')
  @HttpCode(200)
  @ApiOperation({
    summary: "Rotate a webhook's secret",
    description:
      'A new secret signs from now on; the one it replaces also signs for 24 hours (`webhook-signature` then carries both), so the receiver can switch ' +
      'without losing an event. The answer holds the new secret, shown once.',
  })
  @ApiOkResponse({ type: WebhookWithSecretEnvelopeDto, description: 'The webhook, with its new secret (shown once)' })
  @ApiAdminErrors({ scope: 'admin', forbidden: FORBIDDEN, badRequest: MALFORMED_REQUEST, notFound: WEBHOOK_NOT_FOUND })
  rotateSecret(@IdParam('id', WebhookNotFoundError) id: string, @IdParam('webhook_id', WebhookNotFoundError) webhookId: string, @Principal() caller: Caller): Promise<WebhookWithSecretEnvelopeDto> {
    return this.webhooks.rotateSecret(id, webhookId, caller);
  }
}
