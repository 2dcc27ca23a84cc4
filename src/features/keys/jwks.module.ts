import { Module } from '@nestjs/common';
import { JwksController } from './jwks.controller';

/** GET /.well-known/jwks.json: the public half of the key ring (src/core/keys, global). */
@Module({ controllers: [JwksController] })
export class JwksModule {}
