import { Column, ColumnOptions, ValueTransformer } from 'typeorm';

/**
 * Times are stored as integer milliseconds since the epoch: the same on SQLite and PostgreSQL,
 * free of time-zone conversions, and compared in SQL as plain numbers.
 */
export const epochMs: ValueTransformer = {
  // Where clauses hand over FindOperators (IsNull(), MoreThan(date) …); TypeORM transforms their inner values itself.
  to: (value?: unknown) => (value instanceof Date ? value.getTime() : value),
  from: (value?: string | number | null) => (value == null ? null : new Date(Number(value))),
};

export function TimeColumn(name: string, options: Pick<ColumnOptions, 'nullable'> = {}): PropertyDecorator {
  return Column({ name, type: 'bigint', transformer: epochMs, nullable: options.nullable ?? false });
}
