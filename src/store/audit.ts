import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Database } from './schema.ts';

export interface AuditEvent {
  id: string;
  at: number;
  event: string;
  appId: string | null;
  teamId: string | null;
  details: Record<string, unknown>;
}

/** The audit log: what happened to whose credentials, kept in the database so every process writes one log. */
export class AuditRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async record(at: number, event: string, details: Record<string, unknown>): Promise<void> {
    const appId = typeof details['app'] === 'string' ? details['app'] : null;
    const teamId = typeof details['team'] === 'string' ? details['team'] : null;
    await this.#db.insertInto('audit_events').values({ id: randomUUID(), at, event, app_id: appId, team_id: teamId, details: JSON.stringify(details) }).execute();
  }

  /** Newest first. */
  async list(filter: { limit?: number; appId?: string; event?: string } = {}): Promise<AuditEvent[]> {
    let q = this.#db.selectFrom('audit_events').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(Math.min(filter.limit ?? 100, 1000));
    if (filter.appId) q = q.where('app_id', '=', filter.appId);
    if (filter.event) q = q.where('event', '=', filter.event);
    const rows = await q.execute();
    return rows.map((r) => ({ id: r.id, at: Number(r.at), event: r.event, appId: r.app_id, teamId: r.team_id, details: JSON.parse(r.details) as Record<string, unknown> }));
  }
}
