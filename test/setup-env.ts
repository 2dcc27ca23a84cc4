// e2e defaults: cheap hashing, quiet logs. Each suite builds its own database (see test/e2e/support).
process.env.BCRYPT_COST ??= '4';
process.env.LOG_LEVEL ??= 'silent';
process.env.NODE_ENV ??= 'test';
// Node's default stack depth, as the service has in production: jest's environment raises it to 100, and
// every refused request constructs errors (DomainError, HttpException, JSON.parse's SyntaxError) whose
// stack capture then walks ten times the frames (domain errors alone: 2.9% of the input fuzz's CPU at 100
// frames, 2.0% at 10).
Error.stackTraceLimit = 10;
