import { In, IsNull, type Repository } from 'typeorm';
import { OutboxMessage, type OutboxStatus } from './outbox-message.entity';

export const OUTBOX_STATUSES: OutboxStatus[] = ['pending', 'dead', 'sent'];

/** One message as an operator sees it: never its body. */
export type OutboxListing = Pick<OutboxMessage, 'id' | 'kind' | 'recipient' | 'status' | 'attempts' | 'lastError' | 'nextAttemptAt' | 'createdAt' | 'sentAt'>;

/**
 * The operator's view of the mail outbox (`npm run cli -- outbox`): list the messages, make one due now.
 * Works on the table alone (no running service needed): the instances' workers pick a due message up.
 */
export class OutboxAdmin {
  constructor(private readonly messages: Repository<OutboxMessage>) {}

  /** Newest first; at most `limit`, only `status` when given. */
  list(opts: { status?: OutboxStatus; limit: number }): Promise<OutboxListing[]> {
    return this.messages.find({
      where: opts.status ? { status: opts.status } : {},
      order: { createdAt: 'DESC', id: 'DESC' },
      take: opts.limit,
      select: ['id', 'kind', 'recipient', 'status', 'attempts', 'lastError', 'nextAttemptAt', 'createdAt', 'sentAt'],
    });
  }

  /** Makes a dead or pending message due now (a dead one starts its attempts again); throws, in words, when it cannot. */
  async retry(id: string, now: Date): Promise<void> {
    const message = await this.messages.findOne({ where: { id }, select: ['id', 'status', 'attempts'] });
    if (!message) throw new Error(`no outbox message ${id}`);
    if (message.status === 'sent') throw new Error(`outbox message ${id} was sent already`);
    if (message.status === 'dead' && (await this.messages.exists({ where: { id, sealedBody: IsNull() } }))) {
      throw new Error(`outbox message ${id} has no body left to send`);
    }
    const updated = await this.messages.update(
      { id, status: In(['pending', 'dead']) },
      { status: 'pending', nextAttemptAt: now, lockedUntil: null, ...(message.status === 'dead' ? { attempts: 0 } : {}) },
    );
    if (updated.affected !== 1) throw new Error(`outbox message ${id} changed meanwhile: try again`);
  }
}
