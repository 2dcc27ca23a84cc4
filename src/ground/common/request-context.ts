import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';
import { storage as loggerStorage } from 'nestjs-pino/storage';
import { clientAddress } from './client-ip';

/** What is known about the HTTP request being served, for code far from the controller (audit events). */
export interface RequestContextData {
  /** The client address as Express resolved it (the socket peer, or X-Forwarded-For behind TRUST_PROXY), as clientAddress() writes it. */
  clientIp: string | null;
}

const storage = new AsyncLocalStorage<RequestContextData>();

/** The request being served (AsyncLocalStorage), or undefined outside one (start-up, background work). */
export function currentRequestContext(): RequestContextData | undefined {
  return storage.getStore();
}

/** Runs `fn` with `data` as the current request context (the middleware below; tests). */
export function runInRequestContext<T>(data: RequestContextData, fn: () => T): T {
  return storage.run(data, fn);
}

/**
 * Runs `fn` outside any request context: background work started from a request must not inherit its
 * client (audit events) nor its request logger (log lines naming a request that has ended).
 */
export function runOutsideRequestContext<T>(fn: () => T): T {
  return storage.exit(() => loggerStorage.exit(fn));
}

/** Express middleware: every later handler of the request sees its context. */
export function requestContextMiddleware(req: Request, _res: Response, next: NextFunction): void {
  storage.run({ clientIp: clientAddress(req.ip) }, next);
}
