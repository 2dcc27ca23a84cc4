import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { InvalidCredentialsError, PasswordExpiredError, PasswordLoginDisabledError } from '../common/errors/domain-errors';
import { UnitOfWork } from '../database/unit-of-work';
import { Credential } from '../password/credential.entity';
import { PasswordHasher } from '../password/password-hasher';
import { PasswordPolicyService } from '../password/password-policy.service';
import { UsersService } from '../users/users.service';
import { LoginDto } from './dto/login.dto';
import { TokenResponseDto } from './dto/token-response.dto';
import { SessionsService, tokenBody } from './sessions.service';

/**
 * POST /auth/login. One answer (401 INVALID_CREDENTIALS) for an unknown email, a user without a
 * password, an inactive user and a wrong password, each after exactly one bcrypt compare, so neither
 * body nor timing tells them apart (SECURITY.md C1, C2). Only after a correct password does the
 * caller learn that it has expired (A14) or that the account does not use passwords.
 */
@Injectable()
export class LoginUseCase {
  constructor(
    @InjectRepository(Credential) private readonly credentials: Repository<Credential>,
    private readonly users: UsersService,
    private readonly policies: PasswordPolicyService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
  ) {}

  async execute(dto: LoginDto): Promise<TokenResponseDto> {
    const user = await this.users.findByEmail(dto.email);
    const credential = user ? await this.credentials.findOneBy({ userId: user.id }) : null;
    if (!user || !credential) {
      await this.hasher.verifyAgainstDummy(dto.password);
      throw new InvalidCredentialsError();
    }
    if (!(await this.hasher.verify(dto.password, credential)) || !user.isActive) throw new InvalidCredentialsError();
    if (credential.expiresAt && credential.expiresAt <= this.clock.now()) throw new PasswordExpiredError();
    if (!(await this.policies.forAccount(user.accountId)).passwordLogin) throw new PasswordLoginDisabledError();

    // Upgrade an old scheme or cost while we hold the plaintext; hashed before the transaction opens.
    const upgraded = this.hasher.needsRehash(credential) ? await this.hasher.hash(dto.password) : null;
    const session = await this.uow.run(async (em) => {
      if (upgraded) {
        // Conditional on the hash we verified: a password changed meanwhile is never overwritten.
        await em
          .createQueryBuilder()
          .update(Credential)
          .set({ hash: upgraded.hash, algorithm: upgraded.algorithm })
          .where('user_id = :userId AND hash = :old', { userId: user.id, old: credential.hash })
          .execute();
      }
      return this.sessions.issue(em, user);
    });
    return tokenBody(session);
  }
}
