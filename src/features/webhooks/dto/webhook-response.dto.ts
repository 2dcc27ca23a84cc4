import { ApiProperty } from '@nestjs/swagger';
import { WEBHOOK_EVENT_TYPES } from '../webhook-events';
import type { Webhook } from '../webhook.entity';

const ID_EXAMPLE = '8d3f6a2b-1c4e-4b7a-9e5d-2f0c6b8a4d17';
const SECRET_EXAMPLE = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3jEDJ0xQp5Q=';

/** A webhook subscription as the API shows it: never its secret. */
export class WebhookResponseDto {
  @ApiProperty({ format: 'uuid', example: ID_EXAMPLE }) id: string;
  @ApiProperty({ example: 'https://app.example.com/hooks/identity' }) url: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, description: 'The event types it receives (every type when none were named).', example: ['password.set', 'sessions.revoked', 'user.deleted'] })
  events: string[];
  @ApiProperty({ description: 'False while paused: deliveries wait until it is enabled again (PATCH `{"enabled":true}`).', example: true }) enabled: boolean;
  @ApiProperty({ enum: ['failing', 'admin'], nullable: true, type: String, description: 'Why it is paused: `failing` (its receiver failed every attempt for 24 hours) or `admin` (PATCH `{"enabled":false}`); null when enabled.', example: null })
  paused_reason: 'failing' | 'admin' | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', example: null }) paused_at: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'Until when the secret replaced by the last rotation still signs (every attempt carries both signatures); null: one secret signs.', example: null })
  previous_secret_expires_at: string | null;
  @ApiProperty({ format: 'date-time', example: '2026-03-14T09:26:53.000Z' }) created_at: string;
  @ApiProperty({ format: 'date-time', example: '2026-03-14T09:26:53.000Z' }) updated_at: string;

  static from(hook: Webhook): WebhookResponseDto {
    return {
      id: hook.id,
      url: hook.url,
      events: hook.events ?? [...WEBHOOK_EVENT_TYPES],
      enabled: hook.enabled,
      paused_reason: hook.pausedReason,
      paused_at: hook.pausedAt?.toISOString() ?? null,
      previous_secret_expires_at: hook.previousSecretExpiresAt?.toISOString() ?? null,
      created_at: hook.createdAt.toISOString(),
      updated_at: hook.updatedAt.toISOString(),
    };
  }
}

/** The answer of a registration or a rotation: the only time the secret is shown. */
export class WebhookWithSecretDto extends WebhookResponseDto {
  @ApiProperty({ description: 'The signing secret (Standard Webhooks: `whsec_` + base64 of 32 bytes). Shown once, here; store it now.', example: SECRET_EXAMPLE })
  secret: string;

  static withSecret(hook: Webhook, secret: string): WebhookWithSecretDto {
    return { ...WebhookResponseDto.from(hook), secret };
  }
}

export class WebhookWithSecretEnvelopeDto {
  @ApiProperty({ type: WebhookWithSecretDto }) data: WebhookWithSecretDto;
}

export class WebhookEnvelopeDto {
  @ApiProperty({ type: WebhookResponseDto }) data: WebhookResponseDto;
}

export class WebhookListResponseDto {
  @ApiProperty({ type: [WebhookResponseDto] }) data: WebhookResponseDto[];
}
