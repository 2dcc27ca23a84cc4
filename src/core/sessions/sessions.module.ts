import { Module } from '@nestjs/common';
import { SessionsService } from './sessions.service';

/**
 * Sessions (refresh-token families): issued at login and sign-up by src/features/auth, ended by the
 * password pipeline's subscribers and the admin's user actions. No repository: every call takes the
 * caller's EntityManager, so a session changes in the transaction of what caused it.
 */
@Module({ providers: [SessionsService], exports: [SessionsService] })
export class SessionsModule {}
