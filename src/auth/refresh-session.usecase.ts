import { Injectable, Logger } from '@nestjs/common';
import { InvalidRefreshTokenError } from '../common/errors/domain-errors';
import { UnitOfWork } from '../database/unit-of-work';
import { RefreshDto } from './dto/refresh.dto';
import { TokenResponseDto } from './dto/token-response.dto';
import { SessionsService, tokenBody } from './sessions.service';

/**
 * POST /auth/refresh: rotation. The old refresh token dies; presenting it again revokes its whole
 * family (SECURITY.md D3: replaying a used refresh token → 401). The revocation is committed before
 * the 401 is thrown.
 */
@Injectable()
export class RefreshSessionUseCase {
  private readonly logger = new Logger('Sessions');

  constructor(private readonly sessions: SessionsService, private readonly uow: UnitOfWork) {}

  async execute(dto: RefreshDto): Promise<TokenResponseDto> {
    const outcome = await this.uow.run((em) => this.sessions.rotate(em, dto.refresh_token));
    if (outcome.kind === 'reused') {
      this.logger.warn({ event: 'session.family_revoked', userId: outcome.userId, reason: 'refresh_token_reuse' }, 'session.family_revoked');
    }
    if (outcome.kind !== 'rotated') throw new InvalidRefreshTokenError();
    return tokenBody(outcome.tokens);
  }
}
