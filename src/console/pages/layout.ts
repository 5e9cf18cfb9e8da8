import { html, page, type SafeHtml } from '../../oauth/html.ts';
import type { BrowserSession } from '../../oauth/session.ts';
import type { Admin } from '../access.ts';

export const NAV: ReadonlyArray<[string, string]> = [
  ['/admin', 'Overview'],
  ['/admin/apps/new', 'Create an app'],
  ['/admin/clock', 'Clock and faults'],
  ['/admin/requests', 'Request log'],
  ['/admin/audit', 'Audit log'],
];

/** Every console page: the shared page shell with the console's navigation, and who is acting. */
export function consolePage(title: string, admin: Admin, session: BrowserSession, body: SafeHtml, options: { scripts?: string[] } = {}): string {
  const who = admin.kind === 'token' ? 'admin token' : admin.name;
  return page({
    title,
    wide: true,
    scripts: options.scripts,
    signedIn: session.members.length > 0 ? { names: session.members.map((m) => `${m.real_name} (${m.team_name})`), csrf: session.csrf } : undefined,
    body: html`<nav class="console" aria-label="Console"><ul>${NAV.map(([href, label]) => html`<li><a href="${href}"${label === title ? html` aria-current="page"` : ''}>${label}</a></li>`)}</ul><p class="muted">Acting as ${who}</p></nav>
${body}`,
  });
}

export function when(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** A form that changes something: POST, with the session's CSRF token. */
export function action(path: string, csrf: string, fields: SafeHtml | string, button: string, options: { danger?: boolean; inline?: boolean } = {}): SafeHtml {
  return html`<form method="post" action="${path}"${options.inline ? html` class="inline"` : ''}><input type="hidden" name="csrf" value="${csrf}">${fields}<button type="submit"${options.danger ? html` class="danger"` : html` class="primary"`}>${button}</button></form>`;
}

/** A secret shown this once: a read-only field a person can select and copy. */
export function secretField(label: string, value: string, name: string): SafeHtml {
  return html`<label for="${name}">${label}</label><input id="${name}" name="${name}" type="text" readonly value="${value}" class="secret">`;
}
