import type { MethodSpec } from '../registry.ts';
import { authRevoke, authTest } from './auth.ts';
import { teamInfo } from './team.ts';
import { oauthAccess, oauthV2Access } from './oauth.ts';
import { appsConnectionsOpen, appsEventAuthorizationsList, appsUninstall } from './apps.ts';
import { oauthV2Exchange, toolingTokensRotate } from './rotation.ts';

/** Every Web API method Tessera answers. Adding one: write its module, add it here. */
export const METHODS: readonly MethodSpec[] = [authTest, authRevoke, teamInfo, oauthAccess, oauthV2Access, oauthV2Exchange, toolingTokensRotate, appsUninstall, appsConnectionsOpen, appsEventAuthorizationsList];
