import type { TokenFamily } from './token-strings.ts';

/** Kinds of stored token (slack-compat.md §1). Rotating bot and user tokens are `bot`/`user` with an expiry. */
export type TokenKind =
  | 'bot'
  | 'classic_bot'
  | 'user'
  | 'app'
  | 'workspace'
  | 'workspace_refresh'
  | 'legacy'
  | 'config'
  | 'config_refresh'
  | 'refresh';

/** What a method declares it accepts. Legacy tokens act as user tokens; classic bots as bots. */
export type TokenClass = 'bot' | 'user' | 'app' | 'workspace' | 'config' | 'refresh';

export const BEARER_CLASSES: readonly TokenClass[] = ['bot', 'user', 'app', 'workspace', 'config'];

export function tokenClass(kind: TokenKind): TokenClass {
  switch (kind) {
    case 'bot':
    case 'classic_bot':
      return 'bot';
    case 'user':
    case 'legacy':
      return 'user';
    case 'app':
      return 'app';
    case 'workspace':
      return 'workspace';
    case 'config':
      return 'config';
    case 'refresh':
    case 'workspace_refresh':
    case 'config_refresh':
      return 'refresh';
  }
}

/** The string families a token of each kind may have. */
export function familiesFor(kind: TokenKind): readonly TokenFamily[] {
  switch (kind) {
    case 'bot':
      return ['bot', 'rotating_bot'];
    case 'classic_bot':
      return ['bot'];
    case 'user':
      return ['user', 'rotating_user'];
    case 'legacy':
      return ['user'];
    case 'config':
      return ['rotating_user'];
    case 'app':
      return ['app'];
    case 'workspace':
      return ['workspace'];
    case 'workspace_refresh':
      return ['workspace_refresh'];
    case 'refresh':
    case 'config_refresh':
      return ['refresh'];
  }
}

export const CONFIG_TOKEN_LIFETIME_SECONDS = 43_200;
export const WORKSPACE_TOKEN_LIFETIME_SECONDS = 3_600;
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 43_200;
/** Slack's cut-off: apps created after this may not send a token in the query string. */
export const QUERY_TOKEN_CUTOFF_MS = Date.UTC(2021, 1, 24);
