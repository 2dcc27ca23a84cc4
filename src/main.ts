import 'reflect-metadata';
import 'dotenv/config';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ConfigError, loadAppConfig } from './config/app-config';
import { GracefulShutdown } from './common/graceful-shutdown';
import { configureApp } from './configure-app';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadAppConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bufferLogs: true });
  configureApp(app, config);
  // SIGTERM/SIGINT: stop accepting, finish requests in flight, stop the outbox, exit 0 (docs/shutdown-and-redis.md).
  const shutdown = new GracefulShutdown(app, { timeoutMs: config.shutdownTimeoutSeconds * 1000 }).trackRequests();
  await app.listen(config.port);
  shutdown.listenTo(['SIGTERM', 'SIGINT']);
  app.get(Logger).log(`listening on port ${config.port}; Swagger UI at ${config.publicUrl}/docs`, 'Bootstrap');
}

void bootstrap();
