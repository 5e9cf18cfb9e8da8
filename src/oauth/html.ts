/**
 * A small auto-escaping template: every interpolated value is escaped unless it is itself a template result,
 * so markup can only come from code, never from data.
 */
export class SafeHtml {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** Who is signed in, shown in the header with a sign-out form. */
  signedIn?: { names: string[]; csrf: string };
  /** A wide layout, for the console's tables. */
  wide?: boolean;
  /** Scripts of this server's own, for the few pages where JavaScript earns its place. */
  scripts?: string[];
}

export function page(options: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Tessera</title>
<link rel="stylesheet" href="/assets/tessera.css">
${(options.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
</head>
<body>
<header class="bar"><a class="brand" href="/">Tessera</a>${
    options.signedIn
      ? html`<form class="signout" method="post" action="/logout"><span>${options.signedIn.names.join(', ')}</span><input type="hidden" name="csrf" value="${options.signedIn.csrf}"><button type="submit" class="link">Sign out</button></form>`
      : ''
  }</header>
<main${options.wide ? html` class="wide"` : ''}>
${options.body}
</main>
</body>
</html>
`.text;
}

export const STYLESHEET = `
:root { color-scheme: light dark; --fg: #1d1c1d; --muted: #616061; --bg: #fff; --card: #f8f8f8; --line: #ddd; --accent: #007a5a; --danger: #b00020; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8e8e8; --muted: #a8a8a8; --bg: #1a1d21; --card: #222529; --line: #3b3f44; --accent: #2bac76; --danger: #ff6b6b; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
.bar { display: flex; justify-content: space-between; align-items: center; padding: .75rem 1rem; border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; color: var(--fg); text-decoration: none; }
.signout { display: flex; gap: .5rem; align-items: center; color: var(--muted); font-size: .9rem; }
main { max-width: 34rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
input[type=email], input[type=password], input[type=text], input[type=url], input[type=number], select { width: 100%; padding: .6rem; font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; }
button { font: inherit; padding: .6rem 1.2rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; }
button.link { border: 0; background: none; padding: 0; color: var(--accent); text-decoration: underline; }
button:focus-visible, input:focus-visible, select:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.actions { display: flex; gap: .75rem; margin-top: 1.5rem; flex-wrap: wrap; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; }
.scopes { list-style: none; padding: 0; margin: 0; }
.scopes li { padding: .4rem 0; border-top: 1px solid var(--line); }
.scopes li:first-child { border-top: 0; }
.scopes code { font-size: .85rem; color: var(--muted); }
.error { color: var(--danger); font-weight: 600; }
.muted { color: var(--muted); }
main.wide { max-width: 72rem; }
nav.console ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; padding: 0; margin: 0 0 .25rem; }
nav.console { border-bottom: 1px solid var(--line); margin-bottom: 1.5rem; padding-bottom: .5rem; }
nav.console a[aria-current] { font-weight: 700; }
a { color: var(--accent); }
table { width: 100%; border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .95rem; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; }
.table-wrap { overflow-x: auto; }
form.inline { display: inline-flex; gap: .5rem; align-items: center; margin: 0; }
form.inline select, form.inline input { width: auto; }
button.danger { color: var(--danger); border-color: var(--danger); background: var(--bg); }
input.secret { font-family: ui-monospace, monospace; }
textarea { width: 100%; min-height: 4rem; padding: .6rem; font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; }
.ok { color: var(--accent); font-weight: 600; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 40rem) { th, td { padding: .3rem; font-size: .85rem; } }
`;
