import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { recoveryMail } from '../../core/mail/mail-templates';
import { SecretLinks } from '../../core/mail/secret-links';
import { OneTimeTokensService } from '../../core/tokens/one-time-tokens.service';
import { RecoveryRequestedResponseDto } from './dto/recovery-requested-response.dto';
import { RecoveryRequestService } from '../../core/recovery/recovery-request.service';
import { composeValidationCode } from './validation-code';

/**
 * D4 `POST /api/v2/account/recover/`: emails a validation code (purpose 'recovery', valid
 * RECOVERY_CODE_TTL_MINUTES, one live code per user, SECURITY.md B8). The code is
 * `<selector>.<verifier>` (validation-code.ts): 256 random bits, and a selector that lets wrong
 * guesses burn the code. Answers the same for every address.
 */
@Injectable()
export class RecoverAccountUseCase implements OnModuleInit {
  constructor(
    private readonly requests: RecoveryRequestService,
    private readonly tokens: OneTimeTokensService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly links: SecretLinks,
  ) {}

  /** Codes are issued after the response, when RecoveryRequestService resolves the request. */
  onModuleInit(): void {
    this.requests.registerIssuer('D4', async (em, user) => {
      const verifier = await this.tokens.issue(em, { purpose: 'recovery', userId: user.id, ttlMs: this.config.recoveryCodeTtlMs });
      const token = await this.tokens.findUnusedBySecret(verifier, 'recovery', em);
      if (!token) throw new Error('the validation code just issued is not live');
      const code = composeValidationCode(token.id, verifier);
      return recoveryMail({
        code, link: await this.links.buildForUser(em, 'recovery', code, user), ttlMinutes: Math.round(this.config.recoveryCodeTtlMs / 60_000), locale: user.locale, firstName: user.firstName,
      });
    });
  }

  async execute(cmd: { email: string; clientIp: string }): Promise<RecoveryRequestedResponseDto> {
    await this.requests.request({ dialect: 'D4', email: cmd.email, clientIp: cmd.clientIp });
    return RecoveryRequestedResponseDto.create();
  }
}
