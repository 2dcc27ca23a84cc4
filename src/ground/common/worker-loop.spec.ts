import { storage as loggerStorage, Store } from 'nestjs-pino/storage';
import pino from 'pino';
import { currentRequestContext, runInRequestContext } from './request-context';
import { WorkerLoop } from './worker-loop';

/** A pass the test finishes by hand; `called(n)` resolves once the pass has been called n times. */
function gatedPass() {
  const calls: Array<(more: boolean) => void> = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const pass = () =>
    new Promise<boolean>((resolve) => {
      calls.push(resolve);
      for (const w of waiters.filter((w) => calls.length >= w.n)) w.resolve();
    });
  const called = (n: number) => new Promise<void>((resolve) => (calls.length >= n ? resolve() : waiters.push({ n, resolve })));
  return { pass, calls, called };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('WorkerLoop: the pass loop of the outbox workers', () => {
  it('a kick before start runs nothing; a drain during a pass runs exactly one more pass after it, never two at once', async () => {
    const { pass, calls } = gatedPass();
    const sut = new WorkerLoop(pass, 60_000);
    sut.kick();
    expect(calls).toHaveLength(0);
    const first = sut.drain();
    const second = sut.drain();
    const third = sut.drain();
    expect(calls).toHaveLength(1);
    calls[0](false);
    await first;
    await tick();
    expect(calls).toHaveLength(2);
    calls[1](false);
    await Promise.all([second, third]);
    expect(calls).toHaveLength(2);
  });

  it('polls from start, at once again while a pass says rows are left; stop waits for the pass in flight and ends the polling', async () => {
    const { pass, calls, called } = gatedPass();
    const sut = new WorkerLoop(pass, 60_000);
    sut.start();
    await called(1);
    expect(calls).toHaveLength(1);
    calls[0](true);
    await called(2);
    expect(calls).toHaveLength(2);
    let stopped = false;
    const stopping = sut.stop().then(() => (stopped = true));
    expect(sut.stopped).toBe(true);
    await tick();
    expect(stopped).toBe(false);
    calls[1](true);
    await stopping;
    // The last pass said rows are left, so a loop still polling would have armed its 0-ms timer by now;
    // a 0-ms timer armed after it fires after it (Node keeps equal delays in order), and the pass is
    // called synchronously from that timer: no sleep needed to see that no third pass started.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(calls).toHaveLength(2);
    sut.kick();
    await sut.drain();
    expect(calls).toHaveLength(2);
  });

  it('a pass kicked from a request runs outside it: no client address for its audit events, no request logger for its log lines', async () => {
    const seen: Array<{ client: unknown; logger: unknown }> = [];
    const sut = new WorkerLoop(async () => {
      seen.push({ client: currentRequestContext(), logger: loggerStorage.getStore() });
      return false;
    }, 60_000);
    const requestLogger = new Store(pino({ enabled: false }));
    await loggerStorage.run(requestLogger, () =>
      runInRequestContext({ clientIp: '203.0.113.7' }, async () => {
        expect(currentRequestContext()?.clientIp).toBe('203.0.113.7');
        await sut.drain();
      }),
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual({ client: undefined, logger: undefined });
  });
});
