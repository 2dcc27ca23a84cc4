import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Caller } from '../../access/caller';
import { authorize, listedAccount } from '../../access/policy';
import { FieldIssue, RequestValidationError } from '../../ground/common/errors/domain-errors';
import { AuditEvent } from './audit-event.entity';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor';
import { AuditEventPageDto, AuditEventResponseDto } from './dto/audit-event-response.dto';
import { AUDIT_PAGE_DEFAULT, ListAuditEventsQueryDto } from './dto/list-audit-events.query.dto';


/**
 * Reads stored audit events, newest first, one keyset page at a time (docs/audit.md).
 * Filters: user, account, type, `since` (inclusive) and `until` (exclusive) as ISO 8601 instants.
 * Errors: RequestValidationError (bad cursor, unparsable instant, since after until);
 * ForbiddenError (an account-bound reader naming another account).
 */
@Injectable()
export class AuditEventsService {
  constructor(@InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>) {}

  /**
   * Who reads is the access policy's 'audit.read' (src/access/policy.ts): scope admin, or an account's
   * owner or admin with its access token. A caller bound to an account reads only that account's events.
   */
  async list(query: ListAuditEventsQueryDto, reader: Caller): Promise<AuditEventPageDto> {
    if (query.account_id !== undefined) authorize(reader, 'audit.read', { accountId: query.account_id });
    const accountId = listedAccount(reader) ?? query.account_id;

    const issues: FieldIssue[] = [];
    const since = instant(query.since, 'since', issues);
    const until = instant(query.until, 'until', issues);
    const cursor = query.cursor === undefined ? undefined : decodeAuditCursor(query.cursor);
    if (cursor === null) issues.push({ path: 'cursor', kind: 'format', params: { format: 'cursor from a previous page' } });
    if (since !== undefined && until !== undefined && since > until) issues.push({ path: 'until', kind: 'range' });
    if (issues.length > 0) throw new RequestValidationError(issues, 'query');

    const limit = query.limit ?? AUDIT_PAGE_DEFAULT;
    const qb = this.events.createQueryBuilder('e');
    if (accountId !== undefined) qb.andWhere('e.accountId = :accountId', { accountId });
    if (query.user_id !== undefined) qb.andWhere('e.userId = :userId', { userId: query.user_id });
    if (query.type !== undefined) qb.andWhere('e.type = :type', { type: query.type });
    if (since !== undefined) qb.andWhere('e.at >= :since', { since });
    if (until !== undefined) qb.andWhere('e.at < :until', { until });
    if (cursor) qb.andWhere('(e.at < :cursorAt OR (e.at = :cursorAt AND e.id < :cursorId))', { cursorAt: cursor.atMs, cursorId: cursor.id });
    const rows = await qb.orderBy('e.at', 'DESC').addOrderBy('e.id', 'DESC').limit(limit + 1).getMany();

    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      data: page.map(AuditEventResponseDto.from),
      next: rows.length > limit && last ? encodeAuditCursor({ atMs: last.at.getTime(), id: last.id }) : null,
    };
  }
}

/** Epoch ms of an ISO 8601 instant (shape already checked by the DTO); an impossible date or time (Feb 30, 25:00) is an issue. */
function instant(value: string | undefined, path: string, issues: FieldIssue[]): number | undefined {
  if (value === undefined) return undefined;
  const [, y, mo, d, h = '0', mi = '0', sec = '0'] = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(value) ?? [];
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  const real = day.getUTCFullYear() === Number(y) && day.getUTCMonth() === Number(mo) - 1 && day.getUTCDate() === Number(d);
  const ms = Date.parse(value);
  if (!real || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59 || Number.isNaN(ms)) {
    issues.push({ path, kind: 'format', params: { format: 'ISO 8601 instant' } });
  }
  return ms;
}
