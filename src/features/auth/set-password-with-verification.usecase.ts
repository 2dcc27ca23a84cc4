import { Injectable } from '@nestjs/common';
import { InvalidTokenError } from '../../ground/common/errors/domain-errors';
import { PasswordLifecycleService } from '../../core/password/password-lifecycle.service';
import { OneTimeTokensService } from '../../core/tokens/one-time-tokens.service';
import { D2SetPasswordDto } from './dto/d2-set-password.dto';
import { D2SetPasswordResponseDto, D2UserDto } from './dto/d2-set-password-response.dto';
import type { VerificationPrincipal } from '../../access/principals';
import { SessionsService } from '../../core/sessions/sessions.service';

/**
 * D2 `POST /auth/setpassword`: the holder of an email-verification JWT sets the first password of
 * the user it names, under that user's account policy, and is logged in. The JWT's jti is consumed
 * as the first step of the pipeline's transaction (one winner under concurrency: SECURITY.md H1, E7);
 * the session is issued as its last step, so a failure returns no tokens (D3).
 */
@Injectable()
export class SetPasswordWithVerificationUseCase {
  constructor(
    private readonly lifecycle: PasswordLifecycleService,
    private readonly tokens: OneTimeTokensService,
    private readonly sessions: SessionsService,
  ) {}

  async execute(caller: VerificationPrincipal, dto: D2SetPasswordDto): Promise<D2SetPasswordResponseDto> {
    const { result } = await this.lifecycle.setPassword({
      via: 'D2',
      userId: caller.userId,
      password: dto.password,
      mode: 'initial',
      guard: (user) => {
        if (!user.isActive) throw new InvalidTokenError();
      },
      authorize: async (em, user) => {
        const consumed = await this.tokens.consume(em, caller.jti, 'verification_jwt');
        if (consumed.userId !== user.id) throw new InvalidTokenError();
      },
      complete: async (em, user) => {
        // As the pipeline left it: credentialsChangedAt just moved, which the access token carries (pwv).
        return { user, session: await this.sessions.issue(em, user) };
      },
    });
    return {
      success: true,
      message: 'Password set successfully',
      data: { token: result.session.accessToken, refreshToken: result.session.refreshToken, user: D2UserDto.from(result.user, true) },
    };
  }
}
