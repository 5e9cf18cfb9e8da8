import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface Setting {
  value: string;
  updatedAt: number;
}

/** Server-wide values every process of one deployment shares, such as the test clock's offset. */
export class SettingsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async get(key: string): Promise<Setting | null> {
    const row = await this.#db.selectFrom('settings').select(['value', 'updated_at']).where('key', '=', key).executeTakeFirst();
    return row ? { value: row.value, updatedAt: Number(row.updated_at) } : null;
  }

  async put(key: string, value: string, updatedAt: number): Promise<void> {
    await this.#db
      .insertInto('settings')
      .values({ key, value, updated_at: updatedAt })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: updatedAt }))
      .execute();
  }
}
