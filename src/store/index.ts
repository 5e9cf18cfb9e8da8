import type { Kysely } from 'kysely';
import type { SecretBox } from '../crypto/sealed.ts';
import type { Fixture } from '../domain/fixture.ts';
import { connect, migrate, ping, type Connection, type Engine } from './connect.ts';
import { loadFixture, type LoadSummary } from './fixtures.ts';
import type { Database } from './schema.ts';
import { AppRepository } from './apps.ts';
import { AppLevelRepository } from './app-level.ts';
import { InstallRepository } from './installs.ts';
import { MessageRepository } from './messages.ts';
import { OpenIdRepository } from './openid.ts';
import { RefreshRepository } from './refresh.ts';
import { SessionRepository } from './sessions.ts';
import { SettingsRepository } from './settings.ts';
import { EventOutbox } from './events.ts';
import { AuditRepository } from './audit.ts';
import { ConsoleRepository } from './console.ts';
import { DirectoryRepository } from './directory.ts';
import { TokenRepository } from './tokens.ts';
import { WorkspaceRepository } from './workspaces.ts';

/** The store: one repository per aggregate over one connection. Nothing above this knows SQL. */
export class Store {
  readonly #connection: Connection;
  readonly box: SecretBox;
  readonly tokens: TokenRepository;
  readonly workspaces: WorkspaceRepository;
  readonly directory: DirectoryRepository;
  readonly apps: AppRepository;
  readonly sessions: SessionRepository;
  readonly installs: InstallRepository;
  readonly messages: MessageRepository;
  readonly openid: OpenIdRepository;
  readonly refresh: RefreshRepository;
  readonly settings: SettingsRepository;
  readonly appLevel: AppLevelRepository;
  readonly events: EventOutbox;
  readonly audit: AuditRepository;
  readonly console: ConsoleRepository;

  private constructor(connection: Connection, box: SecretBox) {
    this.#connection = connection;
    this.box = box;
    this.events = new EventOutbox(connection.db, box);
    this.audit = new AuditRepository(connection.db);
    this.console = new ConsoleRepository(connection.db);
    this.tokens = new TokenRepository(connection.db, this.events);
    this.workspaces = new WorkspaceRepository(connection.db);
    this.directory = new DirectoryRepository(connection.db);
    this.apps = new AppRepository(connection.db, box);
    this.sessions = new SessionRepository(connection.db);
    this.installs = new InstallRepository(connection.db, this.events);
    this.messages = new MessageRepository(connection.db);
    this.openid = new OpenIdRepository(connection.db, box);
    this.refresh = new RefreshRepository(connection.db, box, this.events, { groupCommit: connection.engine === 'sqlite' });
    this.settings = new SettingsRepository(connection.db);
    this.appLevel = new AppLevelRepository(connection.db);
  }

  static async open(spec: string, box: SecretBox, options: { queryTimeoutMs?: number } = {}): Promise<Store> {
    return new Store(await connect(spec, options), box);
  }

  get engine(): Engine {
    return this.#connection.engine;
  }

  /** For repositories and loaders in this folder only. */
  get db(): Kysely<Database> {
    return this.#connection.db;
  }

  migrate(): Promise<string[]> {
    return migrate(this.#connection);
  }

  ping(): Promise<void> {
    return ping(this.#connection);
  }

  loadFixture(fixture: Fixture, now: number): Promise<LoadSummary> {
    return loadFixture(this.#connection.db, this.box, fixture, now);
  }

  async isEmpty(): Promise<boolean> {
    const row = await this.#connection.db.selectFrom('teams').select('id').limit(1).executeTakeFirst();
    return row === undefined;
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}
