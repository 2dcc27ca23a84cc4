// e2e defaults: cheap hashing, quiet logs. Each suite builds its own database (see test/e2e/support).
process.env.BCRYPT_COST ??= '4';
process.env.LOG_LEVEL ??= 'silent';
process.env.NODE_ENV ??= 'test';
// Node's default stack depth, as the service has in production: jest's environment raises it to 100, and
// every refused request constructs errors (DomainError, HttpException, JSON.parse's SyntaxError) whose
// stack capture then walks ten times the frames (7% of the CPU of the input fuzz).
Error.stackTraceLimit = 10;
