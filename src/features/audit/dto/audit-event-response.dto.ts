import { ApiProperty } from '@nestjs/swagger';
import { AUDIT_ACTOR_KINDS, AUDIT_EVENT_TYPES } from '../../../ground/common/audit-trail';
import type { AuditEvent } from '../audit-event.entity';

export class AuditActorDto {
  @ApiProperty({ enum: AUDIT_ACTOR_KINDS, example: 'api_key', description: 'user: the user named by the credential used; api_key: an integrator key; anonymous: no credential; system: the service itself.' })
  kind: string;
  @ApiProperty({ type: String, nullable: true, example: '0b9d4c7e-8a71-4f2b-9e3a-5d6c7b8a9f01', description: "The user's or the API key's id (never the key itself); null for anonymous and system." })
  id: string | null;
}

/** One audit event. Never a secret, hash, password, code or email address. */
export class AuditEventResponseDto {
  @ApiProperty({ format: 'uuid', example: '5b2e0f7a-1c3d-4e5f-8a9b-0c1d2e3f4a5b' }) id: string;
  @ApiProperty({ enum: AUDIT_EVENT_TYPES, example: 'password.set' }) type: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-30T18:21:35.123Z', description: 'When it happened (UTC, millisecond precision).' }) at: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', example: '6f1c2b9e-3a53-4c43-9d8c-2f4f7c1e8a10' }) user_id: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', example: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' }) account_id: string | null;
  @ApiProperty({ type: AuditActorDto }) actor: AuditActorDto;
  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7', description: 'The client address as the service resolved it (TRUST_PROXY aware).' }) client_ip: string | null;
  @ApiProperty({ example: 'success', description: "'success', or what happened instead (e.g. 'no_such_user', 'limited', a domain error code)." }) outcome: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
    example: { dialect: 'D3', flow: 'integrator', mode: 'initial', api_key_id: '0b9d4c7e-8a71-4f2b-9e3a-5d6c7b8a9f01', sessions_revoked: 0 },
    description: 'Type-specific facts: ids, dialect and flow names, counts (docs/audit.md lists them per type).',
  })
  details: Record<string, string | number | boolean | null>;

  static from(e: AuditEvent): AuditEventResponseDto {
    return {
      id: e.id,
      type: e.type,
      at: e.at.toISOString(),
      user_id: e.userId,
      account_id: e.accountId,
      actor: { kind: e.actorKind, id: e.actorId },
      client_ip: e.clientIp,
      outcome: e.outcome,
      details: e.details,
    };
  }
}

/** One page, newest first. */
export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventResponseDto] }) data: AuditEventResponseDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'MTc2NDUyNjg5NTEyMzo1YjJlMGY3YS0xYzNkLTRlNWYtOGE5Yi0wYzFkMmUzZjRhNWI',
    description: 'Pass as `cursor` for the next (older) page; null on the last page.',
  })
  next: string | null;
}
