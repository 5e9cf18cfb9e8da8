/**
 * `event_context`: the opaque string an event delivery carries, naming the app and the workspace the event
 * happened in, for apps.event.authorizations.list. Keyed with the server's MAC so that an app can neither forge
 * one for a workspace it never saw an event from nor read more into it than Slack's would show.
 */
export interface EventContext {
  appId: string;
  teamId: string;
  enterpriseId: string | null;
  /** The event's id, so two contexts of one workspace differ as Slack's do. */
  eventId: string;
}

export type Mac = (payload: string) => string;

const PREFIX = '4-';

export function encodeEventContext(context: EventContext, mac: Mac): string {
  const payload = Buffer.from(JSON.stringify([context.appId, context.teamId, context.enterpriseId, context.eventId])).toString('base64url');
  return `${PREFIX}${payload}.${mac(payload).slice(0, 22)}`;
}

/** The context, or null for anything this server did not issue. */
export function decodeEventContext(text: string, mac: Mac, equal: (a: string, b: string) => boolean): EventContext | null {
  if (!text.startsWith(PREFIX) || text.length > 1024) return null;
  const dot = text.lastIndexOf('.');
  if (dot === -1) return null;
  const payload = text.slice(PREFIX.length, dot);
  if (!equal(text.slice(dot + 1), mac(payload).slice(0, 22))) return null;
  try {
    const [appId, teamId, enterpriseId, eventId] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
    if (typeof appId !== 'string' || typeof teamId !== 'string' || typeof eventId !== 'string' || (enterpriseId !== null && typeof enterpriseId !== 'string')) return null;
    return { appId, teamId, enterpriseId: enterpriseId as string | null, eventId };
  } catch {
    return null;
  }
}
