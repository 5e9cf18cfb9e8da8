import { createServer } from 'node:http';
import { createSlackApp } from './app.ts';

/** Runs the app against Slack, or against `tessera test-env`, whose variables are the ones read here. */
const need = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
};

const { receiver } = createSlackApp({
  clientId: need('SLACK_CLIENT_ID'),
  clientSecret: need('SLACK_CLIENT_SECRET'),
  signingSecret: need('SLACK_SIGNING_SECRET'),
  stateSecret: need('SLACK_STATE_SECRET'),
  slackApiUrl: process.env['SLACK_API_URL'] ?? 'https://slack.com/api/',
  authorizationUrl: process.env['SLACK_AUTHORIZE_URL'] ?? 'https://slack.com/oauth/v2/authorize',
});
const port = Number(process.env['PORT'] ?? 3000);
createServer(receiver.requestListener).listen(port, () => console.log(`listening on http://localhost:${port}/slack/install`));
