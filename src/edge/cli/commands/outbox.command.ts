import { Command, Option, SubCommand } from 'nest-commander';
import { OUTBOX_STATUSES, OutboxAdmin } from '../../../core/mail/outbox-admin';
import { OutboxMessage, type OutboxStatus } from '../../../core/mail/outbox-message.entity';
import { CliCommand, iso, jsonOption, UsageError } from '../cli-context';

@SubCommand({ name: 'show', description: 'outbox messages, newest first: id, kind, recipient domain, status, attempts, last error (never the body)' })
export class OutboxShowCommand extends CliCommand {
  async run(_args: string[], o: { status?: OutboxStatus; limit?: number; json?: boolean }): Promise<void> {
    await this.ctx.guard(async () => {
      const messages = await this.ctx.withDatabase((ds) => new OutboxAdmin(ds.getRepository(OutboxMessage)).list({ status: o.status, limit: o.limit ?? 50 }));
      const rows = messages.map((m) => ({
        id: m.id, kind: m.kind, recipient_domain: m.recipient.slice(m.recipient.lastIndexOf('@') + 1), status: m.status, attempts: m.attempts,
        last_error: m.lastError, next_attempt_at: iso(m.nextAttemptAt), created_at: iso(m.createdAt), sent_at: iso(m.sentAt),
      }));
      if (o.json) this.ctx.json(rows);
      else this.ctx.table(['id', 'kind', 'recipient_domain', 'status', 'attempts', 'last_error'], rows.map((r) => [r.id, r.kind, r.recipient_domain, r.status, r.attempts, r.last_error ?? '-']));
    });
  }
  @Option({ flags: '--status <status>', description: `only messages with this status: ${OUTBOX_STATUSES.join(', ')}` }) parseStatus(v: string): string {
    if (!(OUTBOX_STATUSES as string[]).includes(v)) throw new UsageError(`--status: one of ${OUTBOX_STATUSES.join(', ')} (got "${v}")`);
    return v;
  }
  @Option({ flags: '--limit <n>', description: 'at most n messages (default 50, at most 1000)' }) parseLimit(v: string): number {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`--limit: an integer from 1 to 1000 (got "${v}")`);
    return n;
  }
  @Option(jsonOption) parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'retry', arguments: '<id>', description: 'make a dead or pending message due now (a dead one starts its attempts again)' })
export class OutboxRetryCommand extends CliCommand {
  async run([id]: string[], o: { json?: boolean }): Promise<void> {
    await this.ctx.guard(async () => {
      await this.ctx.withDatabase((ds) => new OutboxAdmin(ds.getRepository(OutboxMessage)).retry(id, new Date()));
      if (o.json) this.ctx.json({ id, status: 'pending' });
      else this.ctx.print(id);
      this.ctx.log(`message ${id} is due now; a running instance with SMTP_URL sends it within its next pass`);
    });
  }
  @Option(jsonOption) parseJson(): boolean {
    return true;
  }
}

@Command({ name: 'outbox', description: 'show the mail outbox and retry a message', subCommands: [OutboxShowCommand, OutboxRetryCommand] })
export class OutboxCommand extends CliCommand {
  async run(params: string[]): Promise<void> {
    this.usage(params);
  }
}
