import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { clientNetworkRef, clientNetworkRefs } from '../../ground/common/rate-limit/client-network';
import { SecretKeys } from '../../ground/common/secrets';
import { KnownLoginNetworks } from '../../features/auth/known-login-networks.service';
import { loginTargetSecret } from '../../features/auth/login-limits';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { resetCodeMail } from '../../core/mail/mail-templates';
import { SecretLinks } from '../../core/mail/secret-links';
import { OneTimeTokensService } from '../../core/tokens/one-time-tokens.service';
import { ResetCodeRequestedResponseDto } from './dto/reset-code-requested-response.dto';
import { RecoveryRequestService } from '../../core/recovery/recovery-request.service';

/**
 * D5 `POST /v1/auth/password-reset/request`: emails a reset code (purpose 'reset_code';
 * RESET_CODE_LENGTH characters from RESET_CODE_ALPHABET, 6 digits by default, CSPRNG, valid
 * RESET_CODE_TTL_MINUTES, one live code per user: a new one voids the older, SECURITY.md B8), vouched
 * for by the requesting client's network, and by every network the user has logged in from (in the last
 * 90 days) that asks again while the address's mail cap is spent (keyed hashes; see ResetWithCodeUseCase).
 * Answers the same for every address.
 */
@Injectable()
export class RequestResetCodeUseCase implements OnModuleInit {
  constructor(
    private readonly requests: RecoveryRequestService,
    private readonly tokens: OneTimeTokensService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly secrets: SecretKeys,
    private readonly knownNetworks: KnownLoginNetworks,
    private readonly links: SecretLinks,
  ) {}

  /** Codes are issued after the response, when RecoveryRequestService resolves the request. */
  onModuleInit(): void {
    this.requests.registerIssuer('D5', async (em, user, request) => {
      const code = await this.tokens.issue(em, {
        purpose: 'reset_code',
        userId: user.id,
        ttlMs: this.config.resetCodeTtlMs,
        secret: { length: this.config.resetCodeLength, alphabet: this.config.resetCodeAlphabet },
        // The network that asked for the code vouches for it: it may still redeem it when the global guessing budget is spent.
        vouchedBy: clientNetworkRef(this.secrets, request.client),
      });
      return resetCodeMail({
        code, link: await this.links.buildForUser(em, 'reset', code, user), ttlMinutes: Math.round(this.config.resetCodeTtlMs / 60_000), locale: user.locale, firstName: user.firstName,
      });
    }, async (em, user, request) => {
      // No new code (the address's mail cap is spent): the asking network vouches for the live one
      // instead, but only a network the user has logged in from (KnownLoginNetworks). Anyone else
      // could vouch for free, without mailing the owner, and so multiply the guesses at her code.
      const network = clientNetworkRef(this.secrets, request.client);
      const targets = this.secrets.lookupHashes(loginTargetSecret(user.emailNormalized));
      if (await this.knownNetworks.isKnown(targets, clientNetworkRefs(this.secrets, request.client))) await this.tokens.vouchForLive(em, user.id, 'reset_code', network);
    });
  }

  async execute(cmd: { email: string; clientIp: string }): Promise<ResetCodeRequestedResponseDto> {
    await this.requests.request({ dialect: 'D5', email: cmd.email, clientIp: cmd.clientIp });
    return ResetCodeRequestedResponseDto.create();
  }
}
