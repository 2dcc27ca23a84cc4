import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, Instance, startInstance, stopInstance, waitReady } from '../../e2e/support/built-service';
import { ADMIN_KEY } from '../../support/admin-key';
import { freePort } from '../../support/redis-test-server';
import { ReceivedMail, SmtpTestServer } from '../../support/smtp-test-server';

/**
 * The tier on the built artifact (test/artifact): `dist/start.js` (the bundle) started as `npm start` starts it (the node
 * options of package.json's `start` script, NODE_ENV=production), in a temporary directory of its own with
 * its own SQLite file, mailing through an SMTP test server, reached over real HTTP only. Nothing here
 * imports the service's sources: what runs is what `npm run build` made.
 */

/** Seals the artifact's key ring, as production does (no master-key file written). */
const MASTER_KEY = 'artifact-master-Vb6Tq2Lx9Rw4Kz8Nc3Hy7Pm5Jd1Fs0Ga';

/**
 * The environment of a production start on SQLite in `dir`, listening on `port`: PUBLIC_URL is that
 * address (links in mails point at it), the admin key is ADMIN_KEY, hashing at cost 4 (tests' speed).
 */
export function productionEnv(dir: string, port: number, smtpUrl?: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: `sqlite:${join(dir, 'app.db')}`,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ADMIN_API_KEY: ADMIN_KEY,
    MASTER_KEY,
    BCRYPT_COST: '4',
    LOG_LEVEL: 'info',
    ...(smtpUrl ? { SMTP_URL: smtpUrl } : {}),
  };
}

/** A private temporary directory for one instance (its database, its generated files). */
export function instanceDir(): string {
  return mkdtempSync(join(tmpdir(), 'pls-artifact-'));
}

export interface Artifact {
  /** http://127.0.0.1:<port>, also its PUBLIC_URL. */
  baseUrl: string;
  url(path: string): string;
  smtp: SmtpTestServer;
  instance: Instance;
  /** The newest mail to `to` received from index `since` of smtp.messages on (subject matching); waits for one. */
  mail(to: string, opts?: { since?: number; subject?: RegExp }): Promise<ReceivedMail>;
  /** Everything the service wrote so far, one JSON log line each (non-JSON lines as `{ raw }`). */
  logLines(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Builds if needed, starts the built service and waits until GET /health answers 200. */
export async function startArtifact(extraEnv: Record<string, string> = {}): Promise<Artifact> {
  ensureBuilt();
  const smtp = await SmtpTestServer.start();
  const dir = instanceDir();
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const instance = startInstance('artifact', port, { ...productionEnv(dir, port, smtp.url), ...extraEnv }, dir);
      const status = await waitReady(instance, 60_000);
      if (status !== 200) {
        await stopInstance(instance);
        // Another process took the free port between the choice and the start: choose again.
        if (attempt < 3 && /EADDRINUSE|\bPORT\b/.test(instance.output.join(''))) continue;
        throw new Error(`the built service did not become ready (last /health status ${status}):\n${instance.output.join('')}`);
      }
      const baseUrl = `http://127.0.0.1:${port}`;
      return {
        baseUrl,
        smtp,
        instance,
        url: (path) => `${baseUrl}${path.startsWith('/') ? '' : '/'}${path}`,
        mail: (to, o = {}) => {
          const since = o.since ?? 0;
          const matches = (m: ReceivedMail) =>
            smtp.messages.indexOf(m) >= since && m.to.toLowerCase().includes(to.toLowerCase()) && (!o.subject || o.subject.test(m.subject));
          const found = smtp.messages.filter(matches);
          return found.length > 0 ? Promise.resolve(found[found.length - 1]) : smtp.waitFor(matches);
        },
        logLines: () => parseLogLines(instance.output.join('')),
        close: async () => {
          await stopInstance(instance);
          await smtp.stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (error) {
    await smtp.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** One built service for a test file: started in beforeAll (building first if dist/ is stale), stopped in afterAll. */
export function useArtifact(extraEnv: Record<string, string> = {}): { readonly app: Artifact } {
  let app: Artifact | undefined;
  beforeAll(async () => {
    app = await startArtifact(extraEnv);
  }, 240_000);
  afterAll(async () => {
    await app?.close();
  });
  return {
    get app(): Artifact {
      if (!app) throw new Error('useArtifact: the built service is not running (read it inside a test, after beforeAll)');
      return app;
    },
  };
}

/** The service's output as log entries: pino writes one JSON object a line. */
export function parseLogLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { raw: line };
      }
    });
}
