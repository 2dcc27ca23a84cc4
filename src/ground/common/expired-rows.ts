import { Logger } from '@nestjs/common';
import type { EntityTarget, ObjectLiteral } from 'typeorm';
import type { UnitOfWork } from '../database/unit-of-work';

/**
 * Periodic deletion of rows that have outlived their use (attempt counters whose window ended, known
 * login networks older than 90 days): every `intervalMs`, one DELETE of the rows whose epoch-ms
 * `column` is at or before `cutoffMs()`. A failure is logged and the next sweep tries again. The timer
 * never keeps the process alive.
 */
export class ExpiredRowsSweeper<E extends ObjectLiteral> {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly entity: EntityTarget<E>,
    /** Quoted column name, e.g. `"window_started_at"`. */
    private readonly column: string,
    private readonly cutoffMs: () => number,
    private readonly intervalMs: number,
    /** What the rows are, for the log line ("expired attempt counters"). */
    private readonly what: string,
    context: string,
  ) {
    this.logger = new Logger(context);
  }

  start(): void {
    this.stop();
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async sweep(): Promise<void> {
    try {
      await this.uow.run((em) =>
        em.createQueryBuilder().delete().from(this.entity).where(`${this.column} <= :cutoff`, { cutoff: this.cutoffMs() }).execute(),
      );
    } catch (error) {
      this.logger.warn(`could not remove ${this.what}: ${(error as Error)?.message ?? 'unknown error'}`);
    }
  }
}
