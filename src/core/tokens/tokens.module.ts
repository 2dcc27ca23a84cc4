import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OneTimeToken } from './one-time-token.entity';
import { OneTimeTokensService } from './one-time-tokens.service';

@Module({
  imports: [TypeOrmModule.forFeature([OneTimeToken])],
  providers: [OneTimeTokensService],
  exports: [OneTimeTokensService],
})
export class TokensModule {}
