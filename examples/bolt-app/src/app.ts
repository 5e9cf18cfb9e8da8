import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { WebClientOptions } from '@slack/web-api';
import { Installations } from './installations.ts';
import { workspaceCommand } from './workspace-command.ts';

export interface Settings {
  clientId: string;
  clientSecret: string;
  signingSecret: string;
  /** Signs the OAuth `state`; any long random string. */
  stateSecret: string;
  /** `https://slack.com/api/` in production. */
  slackApiUrl: string;
  /** `https://slack.com/oauth/v2/authorize` in production. */
  authorizationUrl: string;
  logLevel?: LogLevel;
}

export const SCOPES = ['commands', 'team:read'];

/**
 * The app: `/slack/install` starts the install, `/slack/oauth_redirect` is its callback, `/slack/events` takes
 * Slack's requests. Serve `receiver.requestListener` from any HTTP server.
 */
export function createSlackApp(settings: Settings): { app: App; receiver: HTTPReceiver; installations: Installations } {
  const installations = new Installations();
  // The app answers rate limits itself (slack-calls.ts), within the 3 seconds Slack waits.
  const clientOptions: WebClientOptions = { slackApiUrl: settings.slackApiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } };
  const logLevel = settings.logLevel ?? LogLevel.INFO;
  const receiver = new HTTPReceiver({
    signingSecret: settings.signingSecret,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    stateSecret: settings.stateSecret,
    scopes: SCOPES,
    installationStore: installations,
    logLevel,
    installerOptions: {
      authorizationUrl: settings.authorizationUrl,
      directInstall: true,
      clientOptions,
      callbackOptions: {
        success(installation, _options, _req, res) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(`<p>Installed in ${escape(installation.team?.name ?? 'your workspace')}. Try /workspace.</p>`);
        },
        failure(error, _options, _req, res) {
          res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
          res.end(`<p>The app was not installed (${escape(error.message)}).</p>`);
        },
      },
    },
  });
  const app = new App({ receiver, clientOptions, logLevel });
  app.command('/workspace', workspaceCommand({ installations, clientId: settings.clientId, clientSecret: settings.clientSecret, clientOptions }));
  return { app, receiver, installations };
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
