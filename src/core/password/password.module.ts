import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Account } from '../entities/account.entity';
import { TokensModule } from '../tokens/tokens.module';
import { User } from '../entities/user.entity';
import { Credential } from './credential.entity';
import { PasswordHistoryEntry } from './password-history.entity';
import { PasswordLifecycleService } from './password-lifecycle.service';
import { PasswordPolicyService } from './password-policy.service';

/**
 * The password core as Nest providers: policy lookup and the set-password pipeline. No controllers, and no
 * side effect by name: the notice email, sessions, audit and webhooks subscribe to its domain events.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Account, User, Credential, PasswordHistoryEntry]), TokensModule],
  providers: [PasswordPolicyService, PasswordLifecycleService],
  exports: [PasswordPolicyService, PasswordLifecycleService],
})
export class PasswordModule {}
