// e2e defaults: cheap hashing, quiet logs. Each suite builds its own database (see test/e2e/support).
process.env.BCRYPT_COST ??= '4';
process.env.LOG_LEVEL ??= 'silent';
process.env.NODE_ENV ??= 'test';
