import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Account } from '../entities/account.entity';
import { fillLinkTemplate, LinkKind } from '../../ground/config/link-template';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';

/**
 * The link an email carries for a secret: the account's own template for that kind of email when it
 * has one (PUT /accounts/{id}/links), else the configured one (INVITATION_LINK, …, by default the
 * service's pages under PUBLIC_URL), with `{code}` replaced by the URL-encoded secret. Never built
 * from a request (SECURITY.md C7).
 */
@Injectable()
export class SecretLinks {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  build(kind: LinkKind, code: string, account: Pick<Account, 'links'> | null): string {
    return fillLinkTemplate(account?.links?.[kind] ?? this.config.links[kind], code);
  }

  /** build() for a user's secret, reading only the links of the user's account (if any) in the caller's transaction. */
  async buildForUser(em: EntityManager, kind: LinkKind, code: string, user: { accountId: string | null }): Promise<string> {
    if (!user.accountId) return this.build(kind, code, null);
    const account = await em.findOne(Account, { select: { id: true, links: true }, where: { id: user.accountId } });
    return this.build(kind, code, account);
  }
}
