import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ensureBuilt, Instance, startWithNpm, stopInstance, waitReady } from '../e2e/support/built-service';
import { freePort } from '../support/redis-test-server';
import { instanceDir, parseLogLines, productionEnv } from './support/artifact';

/**
 * `npm start` under a supervisor, in a container or in a terminal: the signal goes to npm's own process.
 * npm passes SIGTERM and SIGINT on to the shell that runs the script; without `exec` in the script that
 * shell died and node went on serving, orphaned (issue 17). The service must stop gracefully and npm
 * exit 0 within the shutdown bound.
 */
jest.setTimeout(90_000);

/** SHUTDOWN_TIMEOUT_SECONDS for these instances, plus the bound of the shutdown hooks (5 s) and npm's own exit. */
const SHUTDOWN_TIMEOUT_SECONDS = 10;
const STOP_BOUND_MS = (SHUTDOWN_TIMEOUT_SECONDS + 5 + 2) * 1000;

/** Whether something accepts connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start stops on a signal sent to npm\'s own process', () => {
  let npm: Instance | undefined;
  let servicePid: number | undefined;
  let dir: string | undefined;

  beforeAll(() => ensureBuilt(), 240_000);
  afterEach(async () => {
    // Whatever the outcome, leave no service behind (an orphaned one is what this spec looks for).
    await stopInstance(npm, 2_000);
    if (servicePid && alive(servicePid)) process.kill(servicePid, 'SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
    npm = servicePid = dir = undefined;
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s to npm: the service drains and stops, npm exits 0 within the shutdown bound, the port is closed', async (signal) => {
    dir = instanceDir();
    const port = await freePort();
    npm = startWithNpm('npm start', port, { ...productionEnv(dir, port), SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_TIMEOUT_SECONDS) }, join(dir, '.env'));
    expect(await waitReady(npm, 60_000)).toBe(200);
    const output = () => npm!.output.join('');
    // The service's own pid, from its log lines (pino writes it on every line).
    servicePid = parseLogLines(output()).map((l) => l.pid).find((pid): pid is number => typeof pid === 'number' && pid !== npm!.process.pid);
    expect(servicePid).toBeDefined();

    const sentAt = Date.now();
    process.kill(npm.process.pid!, signal);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([npm.exited, new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), STOP_BOUND_MS)))]);
    clearTimeout(timer);

    expect({ code, signal: npm.process.signalCode }).toEqual({ code: 0, signal: null });
    expect(Date.now() - sentAt).toBeLessThan(STOP_BOUND_MS);
    expect(alive(servicePid!)).toBe(false);
    expect(await listening(port)).toBe(false);
    // The service's graceful shutdown ran (docs/shutdown-and-redis.md), not a kill.
    const messages = parseLogLines(output()).map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${signal} received: no new connections`)), 'stopped']));
  });
});
