import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../../features/api-keys/api-keys.module';
import { AuthModule } from '../../features/auth/auth.module';
import { PasswordModule } from '../../core/password/password.module';
import { CreatePasswordForUserUseCase } from './create-password-for-user.usecase';
import { IntegratorController } from './integrator.controller';
import { RemovePasswordOfUserUseCase } from './remove-password-of-user.usecase';

/** D3: the integrator password API (POST/DELETE /v1/password/{user_id}) over API keys. */
@Module({
  imports: [PasswordModule, ApiKeysModule, AuthModule],
  controllers: [IntegratorController],
  providers: [CreatePasswordForUserUseCase, RemovePasswordOfUserUseCase],
})
export class IntegratorModule {}
