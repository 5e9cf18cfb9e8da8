import type { Kysely } from 'kysely';
import type { Database, MemberRole } from './schema.ts';

export interface TeamRecord {
  id: string;
  name: string;
  domain: string;
  enterprise_id: string | null;
  enterprise_name: string | null;
  deleted: boolean;
}

/** Workspaces and their members. */
export class WorkspaceRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async team(id: string): Promise<TeamRecord | null> {
    const row = await this.#db
      .selectFrom('teams as t')
      .leftJoin('enterprises as e', 'e.id', 't.enterprise_id')
      .select(['t.id', 't.name', 't.domain', 't.enterprise_id', 'e.name as enterprise_name', 't.deleted_at'])
      .where('t.id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    return { id: row.id, name: row.name, domain: row.domain, enterprise_id: row.enterprise_id, enterprise_name: row.enterprise_name, deleted: row.deleted_at !== null };
  }

  async deleteTeam(id: string, now: number): Promise<boolean> {
    const r = await this.#db.updateTable('teams').set({ deleted_at: now }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async setRole(userId: string, role: MemberRole, now: number): Promise<boolean> {
    const r = await this.#db.updateTable('users').set({ role, updated_at: now }).where('id', '=', userId).where('is_bot', '=', 0).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
