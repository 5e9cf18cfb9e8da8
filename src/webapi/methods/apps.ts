import { SlackError } from '../../domain/errors.ts';
import { authenticateClient, CLIENT_ARGS } from '../client-auth.ts';
import { defineMethod } from '../registry.ts';

/** apps.uninstall: the app, proven by its client credentials and one of its tokens, leaves the token's workspace. */
export const appsUninstall = defineMethod({
  name: 'apps.uninstall',
  tokens: ['bot', 'user'],
  tier: 1,
  args: CLIENT_ARGS,
  async handler(ctx) {
    const app = await authenticateClient(ctx.services, ctx.args, undefined);
    const auth = ctx.auth!;
    if (auth.appId !== app.id) throw new SlackError('client_id_token_mismatch');
    const installationId = auth.installationId ?? (auth.teamId ? await ctx.services.store.tokens.installationOf(app.id, auth.teamId) : null);
    if (installationId !== null) {
      await ctx.services.store.tokens.uninstall(installationId, ctx.services.clock.now());
      ctx.services.tokensChanged('all');
    }
    return {};
  },
});
