import { SlackError } from '../domain/errors.ts';

/**
 * Cursor pagination as Slack's list methods do it. A cursor is opaque to callers: base64url of a kind and the last
 * key returned (`user:U0ALICE001`, as Slack's own `dXNlcjpVMDYxTkZUVDI=` is `user:U061NFTT2`), so a cursor of
 * one method, or one edited by hand, is refused as `invalid_cursor` rather than read as something else.
 */
export function encodeCursor(kind: string, key: string): string {
  return Buffer.from(`${kind}:${key}`).toString('base64url');
}

/** The key in a cursor of this kind; none for an absent or empty cursor (the first page). */
export function decodeCursor(cursor: string | undefined, kind: string, key: RegExp): string | null {
  if (cursor === undefined || cursor === '') return null;
  const text = /^[A-Za-z0-9_-]+={0,2}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  // Node's decoder skips what it cannot read; only a cursor that encodes back to itself is one of ours.
  const canonical = Buffer.from(text).toString('base64url') === cursor.replace(/=+$/, '');
  if (!canonical || !text.startsWith(`${kind}:`) || !key.test(text.slice(kind.length + 1))) throw new SlackError('invalid_cursor');
  return text.slice(kind.length + 1);
}

/**
 * How many items a page holds. Slack's docs allow fewer than asked for, so a limit above the method's maximum is
 * served as the maximum, and none (or 0) as the method's default.
 */
export function pageSize(limit: number | undefined, byDefault: number, max: number): number {
  if (limit === undefined || limit <= 0) return byDefault;
  return Math.min(limit, max);
}

/** Slack's `response_metadata`: the next page's cursor, or an empty string on the last page. */
export function nextCursor<T>(rows: readonly T[], limit: number, kind: string, keyOf: (row: T) => string): { next_cursor: string } {
  return { next_cursor: rows.length > limit ? encodeCursor(kind, keyOf(rows[limit - 1]!)) : '' };
}
