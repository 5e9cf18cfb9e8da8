import type { MethodSpec } from '../registry.ts';
import { authRevoke, authTest } from './auth.ts';
import { teamInfo } from './team.ts';
import { oauthAccess, oauthV2Access } from './oauth.ts';
import { appsConnectionsOpen, appsEventAuthorizationsList, appsUninstall } from './apps.ts';
import { oauthV2Exchange, toolingTokensRotate } from './rotation.ts';
import { usersInfo, usersList, usersLookupByEmail } from './users.ts';
import { conversationsHistory, conversationsInfo, conversationsJoin, conversationsList } from './conversations.ts';
import { chatPostMessage } from './chat.ts';
import { openidConnectToken, openidConnectUserInfo } from './openid.ts';
import { usersIdentity } from './identity.ts';

/** Every Web API method Tessera answers. Adding one: write its module, add it here. */
export const METHODS: readonly MethodSpec[] = [authTest, authRevoke, teamInfo, oauthAccess, oauthV2Access, oauthV2Exchange, toolingTokensRotate, appsUninstall, appsConnectionsOpen, appsEventAuthorizationsList, usersList, usersInfo, usersLookupByEmail, conversationsList, conversationsInfo, conversationsHistory, conversationsJoin, chatPostMessage, openidConnectToken, openidConnectUserInfo, usersIdentity];
