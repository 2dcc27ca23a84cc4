import { defaultWorkerPoolSize } from './hash-threads';

describe('defaultWorkerPoolSize (UV_THREADPOOL_SIZE unset)', () => {
  it('gives one hashing thread a core, at least 2 and at most libuv\'s own 4', () => {
    expect([1, 2, 3, 4, 5, 8, 64].map((cores) => defaultWorkerPoolSize(cores))).toEqual([2, 2, 3, 4, 4, 4, 4]);
  });
});
