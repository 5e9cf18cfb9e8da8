import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { isRateLimited, retryWhenRateLimited, withFreshBotToken, type TokenContext } from './slack-calls.ts';

/** `/workspace`: answers with the workspace's name, from team.info. */
export function workspaceCommand(ctx: TokenContext) {
  return async ({ ack, command, client, logger }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    try {
      const { team } = await withFreshBotToken(ctx, command.team_id, client, (c) => retryWhenRateLimited(() => c.team.info()));
      await ack(`This is ${team?.name} (${team?.domain}.slack.com).`);
    } catch (error) {
      if (isRateLimited(error)) return ack('Slack is busy right now; try again in a minute.');
      logger.error(error);
      await ack('Sorry, something went wrong.');
    }
  };
}
