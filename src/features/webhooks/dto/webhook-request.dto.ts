import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsOptional } from 'class-validator';
import { IsOneOf } from '../../../ground/common/validation';
import { StringField } from '../../../ground/common/dto-fields';
import { WEBHOOK_EVENT_TYPES, WebhookEventType } from '../webhook-events';
import { MAX_TARGET_URL_LENGTH } from '../webhook-target';

const URL_DESCRIPTION =
  'Where events are POSTed: an absolute `https://` URL (no user name, password or fragment) whose host resolves to public addresses only: ' +
  'not loopback, private (RFC 1918), shared (100.64/10), link-local (169.254/16, fe80::/10, cloud metadata), unique-local (fc00::/7). ' +
  'Checked now and before every attempt; redirects are not followed. `WEBHOOK_ALLOW_PRIVATE_TARGETS=true` allows those addresses and `http://`.';
const EVENTS_DESCRIPTION = 'The event types to receive. Omitted or null: every type, including types added later.';

/** POST /accounts/{id}/webhooks. */
export class CreateWebhookDto {
  @StringField({ max: MAX_TARGET_URL_LENGTH, description: URL_DESCRIPTION, example: 'https://app.example.com/hooks/identity' })
  url: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_TYPES, isArray: true, nullable: true, description: EVENTS_DESCRIPTION, example: ['password.set', 'sessions.revoked', 'user.deleted'] })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length) @ArrayUnique() @IsOneOf(WEBHOOK_EVENT_TYPES, { each: true })
  events?: WebhookEventType[] | null;
}

/** PATCH /accounts/{id}/webhooks/{webhook_id}: the fields given change, the others stay. */
export class UpdateWebhookDto {
  @StringField({ max: MAX_TARGET_URL_LENGTH, optional: true, description: `A new target, checked as at registration. ${URL_DESCRIPTION}`, example: 'https://app.example.com/hooks/identity' })
  url?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_TYPES, isArray: true, nullable: true, description: EVENTS_DESCRIPTION, example: ['password.set'] })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length) @ArrayUnique() @IsOneOf(WEBHOOK_EVENT_TYPES, { each: true })
  events?: WebhookEventType[] | null;

  /**
   * `false` pauses the webhook (its deliveries wait, none is dropped); `true` resumes a webhook paused by
   * an administrator or by failures: every waiting delivery is due at once, with a fresh retry schedule.
   */
  @ApiProperty({
    required: false,
    type: Boolean,
    example: true,
    description: '`false` pauses the webhook (its deliveries wait, none is dropped); `true` resumes one paused by an administrator or by failures: every waiting delivery is due at once, with a fresh retry schedule.',
  })
  @IsOptional() @IsBoolean()
  enabled?: boolean;
}
