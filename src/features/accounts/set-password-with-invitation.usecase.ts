import { Injectable } from '@nestjs/common';
import { InvalidTokenError } from '../../ground/common/errors/domain-errors';
import { PasswordLifecycleService } from '../../core/password/password-lifecycle.service';
import { OneTimeTokensService } from '../../core/tokens/one-time-tokens.service';
import { User } from '../../core/entities/user.entity';
import { SetPasswordWithInvitationDto } from './dto/set-password-with-invitation.dto';
import { SetPasswordResponseDto } from './dto/set-password-response.dto';
import { updateRows } from '../../ground/database/sql';

/**
 * D1 `POST /accounts/set-password`: the invitation token (purpose 'invitation', single use,
 * INVITATION_TTL_HOURS) sets the first password of the invited user under the account's policy.
 *
 * The token is looked up first, so a bad token is reported as such whatever the password; the
 * password is then checked and hashed, and only then is the token consumed, as the first step of the
 * pipeline's transaction: a rejected password leaves the token usable (SECURITY.md A15), and of
 * concurrent requests with one token exactly one wins (H1). Using the invitation proves the mailbox,
 * so the email counts as verified.
 */
@Injectable()
export class SetPasswordWithInvitationUseCase {
  constructor(private readonly lifecycle: PasswordLifecycleService, private readonly tokens: OneTimeTokensService) {}

  async execute(dto: SetPasswordWithInvitationDto): Promise<SetPasswordResponseDto> {
    const invitation = await this.tokens.findUnusedBySecret(dto.token, 'invitation');
    if (!invitation) throw new InvalidTokenError();
    const { result } = await this.lifecycle.setPassword({
      via: 'D1',
      userId: invitation.userId,
      password: dto.password,
      mode: 'initial',
      guard: (user) => {
        // A deactivated user cannot redeem an invitation (SECURITY.md B11).
        if (!user.isActive) throw new InvalidTokenError();
      },
      authorize: async (em) => {
        await this.tokens.consume(em, dto.token, 'invitation');
      },
      complete: async (em, user, _credential, account) => {
        if (!user.isEmailVerified) await updateRows(em, User, { isEmailVerified: true }, '"id" = :id', { id: user.id });
        return { account_id: user.accountId ?? '', user_id: user.id, account: account?.name ?? '', email: user.email };
      },
    });
    return { data: result };
  }
}
