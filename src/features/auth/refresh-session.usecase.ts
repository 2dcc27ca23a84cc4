import { Injectable, Logger } from '@nestjs/common';
import { AuditTrail } from '../../ground/common/audit-trail';
import { InvalidRefreshTokenError } from '../../ground/common/errors/domain-errors';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { RefreshDto } from './dto/refresh.dto';
import { TokenResponseDto } from './dto/token-response.dto';
import { SessionsService, tokenBody } from '../../core/sessions/sessions.service';

/**
 * POST /auth/refresh: rotation. The old refresh token dies; presenting it again revokes its whole
 * family (SECURITY.md D3: replaying a used refresh token → 401). The revocation and its
 * `session.revoked` audit event (reason refresh_token_reuse; the presenter of a dead token is
 * anonymous) are committed together before the 401 is thrown.
 */
@Injectable()
export class RefreshSessionUseCase {
  private readonly logger = new Logger('Sessions');

  constructor(private readonly sessions: SessionsService, private readonly uow: UnitOfWork, private readonly audit: AuditTrail) {}

  async execute(dto: RefreshDto): Promise<TokenResponseDto> {
    const outcome = await this.uow.run(async (em) => {
      const rotation = await this.sessions.rotate(em, dto.refresh_token);
      if (rotation.kind === 'reused') {
        await this.audit.record(em, {
          type: 'session.revoked', userId: rotation.userId, actor: { kind: 'anonymous' }, outcome: 'success',
          // One family is one login session: 1 when it was still live, 0 when an earlier reuse had already ended it.
          details: { reason: 'refresh_token_reuse', family_id: rotation.familyId, sessions: rotation.revoked > 0 ? 1 : 0 },
        });
      }
      return rotation;
    });
    if (outcome.kind === 'reused') {
      this.logger.warn({ event: 'session.family_revoked', userId: outcome.userId, reason: 'refresh_token_reuse' }, 'session.family_revoked');
    }
    if (outcome.kind !== 'rotated') throw new InvalidRefreshTokenError();
    return tokenBody(outcome.tokens);
  }
}
