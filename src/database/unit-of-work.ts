import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * Runs work in one database transaction.
 *
 * TypeORM's better-sqlite3 driver has a single connection shared by every request, so two
 * transactions open at once would nest into each other. On SQLite the unit of work therefore queues
 * transactions one after another; on PostgreSQL each gets its own pooled connection.
 *
 * Rules for callers: every write goes through here; nothing slow (bcrypt, SMTP) happens inside.
 */
@Injectable()
export class UnitOfWork {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly serial: boolean;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.serial = dataSource.options.type === 'better-sqlite3';
  }

  run<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (!this.serial) return this.dataSource.transaction(work);
    const result = this.tail.then(() => this.dataSource.transaction(work));
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Locks one row for the rest of the transaction (PostgreSQL SELECT … FOR UPDATE), so concurrent
   * changes to the same user queue up. On SQLite transactions are already serial.
   */
  async lock<E extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<E>, id: string): Promise<void> {
    if (this.serial) return;
    await em.getRepository(entity).createQueryBuilder('row').setLock('pessimistic_write').where('row.id = :id', { id }).getOne();
  }
}
