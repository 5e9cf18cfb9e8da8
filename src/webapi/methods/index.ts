import type { MethodSpec } from '../registry.ts';
import { authRevoke, authTest } from './auth.ts';
import { teamInfo } from './team.ts';

/** Every Web API method Tessera answers. Adding one: write its module, add it here. */
export const METHODS: readonly MethodSpec[] = [authTest, authRevoke, teamInfo];
