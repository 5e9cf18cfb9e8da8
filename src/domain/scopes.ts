/**
 * The OAuth scopes Tessera knows, with the plain-language line the consent page shows for each, and which
 * tokens may hold them (b: bot tokens, u: user tokens). Names and meanings follow Slack's scope reference.
 */
const CATALOG: ReadonlyArray<readonly [name: string, holders: 'b' | 'u' | 'bu', description: string]> = [
  ['app_mentions:read', 'b', 'View messages that directly mention the app in conversations it is in'],
  ['bookmarks:read', 'bu', 'List bookmarks'],
  ['bookmarks:write', 'bu', 'Create, edit and remove bookmarks'],
  ['calls:read', 'bu', 'View information about ongoing and past calls'],
  ['calls:write', 'bu', 'Start and manage calls in a workspace'],
  ['channels:history', 'bu', 'View messages and other content in public channels'],
  ['channels:join', 'b', 'Join public channels in a workspace'],
  ['channels:manage', 'b', 'Manage public channels and create new ones'],
  ['channels:read', 'bu', 'View basic information about public channels in a workspace'],
  ['channels:write', 'u', 'Manage a member’s public channels and create new ones on their behalf'],
  ['chat:write', 'bu', 'Send messages'],
  ['chat:write.customize', 'b', 'Send messages with a customized username and avatar'],
  ['chat:write.public', 'b', 'Send messages to channels the app is not a member of'],
  ['commands', 'b', 'Add shortcuts and slash commands that people can use'],
  ['dnd:read', 'bu', 'View Do Not Disturb settings for people in a workspace'],
  ['dnd:write', 'u', 'Edit a member’s Do Not Disturb settings'],
  ['emoji:read', 'bu', 'View custom emoji in a workspace'],
  ['files:read', 'bu', 'View files shared in channels and conversations'],
  ['files:write', 'bu', 'Upload, edit and delete files'],
  ['groups:history', 'bu', 'View messages and other content in private channels'],
  ['groups:read', 'bu', 'View basic information about private channels'],
  ['groups:write', 'bu', 'Manage private channels and create new ones'],
  ['identify', 'u', 'View information about a member’s identity'],
  ['identity.avatar', 'u', 'View a member’s Slack avatar'],
  ['identity.basic', 'u', 'View information about a member’s identity'],
  ['identity.email', 'u', 'View a member’s email address'],
  ['identity.team', 'u', 'View a member’s Slack workspace name'],
  ['im:history', 'bu', 'View messages and other content in direct messages'],
  ['im:read', 'bu', 'View basic information about direct messages'],
  ['im:write', 'bu', 'Start direct messages with people'],
  ['incoming-webhook', 'bu', 'Post messages to a specific channel in Slack'],
  ['links:read', 'bu', 'View URLs in messages'],
  ['links:write', 'bu', 'Show previews of URLs in messages'],
  ['mpim:history', 'bu', 'View messages and other content in group direct messages'],
  ['mpim:read', 'bu', 'View basic information about group direct messages'],
  ['mpim:write', 'bu', 'Start group direct messages with people'],
  ['pins:read', 'bu', 'View pinned content in channels and conversations'],
  ['pins:write', 'bu', 'Add and remove pinned messages and files'],
  ['reactions:read', 'bu', 'View emoji reactions and their associated content'],
  ['reactions:write', 'bu', 'Add and edit emoji reactions'],
  ['reminders:read', 'bu', 'View reminders'],
  ['reminders:write', 'bu', 'Add, remove or mark reminders as complete'],
  ['search:read', 'u', 'Search a workspace’s content'],
  ['stars:read', 'u', 'View a member’s saved items'],
  ['stars:write', 'u', 'Add or remove saved items'],
  ['team:read', 'bu', 'View the name, email domain and icon of the workspace'],
  ['usergroups:read', 'bu', 'View user groups in a workspace'],
  ['usergroups:write', 'bu', 'Create and manage user groups'],
  ['users.profile:read', 'bu', 'View profile details about people in a workspace'],
  ['users.profile:write', 'u', 'Edit a member’s profile information and status'],
  ['users:read', 'bu', 'View people in a workspace'],
  ['users:read.email', 'bu', 'View email addresses of people in a workspace'],
  ['users:write', 'bu', 'Set presence'],
  ['openid', 'u', 'View information about a member’s identity'],
  ['profile', 'u', 'View a member’s Slack avatar and workspace name'],
  ['email', 'u', 'View a member’s email address'],
  ['admin', 'u', 'Administer a workspace'],
  ['bot', 'b', 'Add a bot user with the classic umbrella bot permissions'],
];

export const SCOPES: ReadonlyMap<string, { description: string; bot: boolean; user: boolean }> = new Map(
  CATALOG.map(([name, holders, description]) => [
    name,
    { description, bot: holders.includes('b'), user: holders.includes('u') },
  ]),
);

/** Scopes held by app-level tokens. */
export const APP_LEVEL_SCOPES: readonly string[] = ['connections:write', 'authorizations:read', 'app_configurations:write'];

/** What a legacy token holds: everything its member can do. */
export const LEGACY_SCOPES: readonly string[] = [...SCOPES].filter(([, s]) => s.user).map(([name]) => name);

export function isKnownScope(name: string, holder: 'bot' | 'user'): boolean {
  const scope = SCOPES.get(name);
  return scope !== undefined && scope[holder];
}

/** Slack accepts scope lists separated by commas or spaces. */
export function parseScopeList(text: string | undefined | null): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (const part of text.split(/[\s,]+/)) {
    if (part && !out.includes(part)) out.push(part);
  }
  return out;
}

export function joinScopes(scopes: readonly string[]): string {
  return scopes.join(',');
}

/** Scopes accumulate across installs: the union, in first-granted order. */
export function unionScopes(held: readonly string[], added: readonly string[]): string[] {
  const out = [...held];
  for (const s of added) if (!out.includes(s)) out.push(s);
  return out;
}
