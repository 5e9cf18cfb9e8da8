/**
 * Redirect URL rules (slack-compat.md §5, the seed's GOOD/BAD table): a redirect_uri matches a registered
 * Redirect URL when scheme, host and port are the same and its path is the registered path or below it.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Why a URL may not be registered as a Redirect URL, or null when it may. */
export function redirectUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not an absolute URL';
  }
  if (text.includes('#')) return 'must not contain #';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    // Slack allows custom schemes for native apps; Tessera too, but never script-capable ones.
    if (/^(javascript|data|vbscript|file|blob):$/i.test(url.protocol)) return 'scheme not allowed';
    return null;
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return 'http:// is accepted only for localhost and loopback addresses';
  if (url.username || url.password) return 'must not contain credentials';
  return null;
}

function effectivePort(url: URL): string {
  if (url.port) return url.port;
  return url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '';
}

/** Whether `candidate` (a redirect_uri from a request) is allowed by the registered URL `registered`. */
export function redirectMatches(registered: string, candidate: string): boolean {
  if (candidate.includes('#')) return false;
  let r: URL;
  let c: URL;
  try {
    r = new URL(registered);
    c = new URL(candidate);
  } catch {
    return false;
  }
  if (redirectUrlProblem(candidate) !== null) return false;
  if (c.username || c.password) return false;
  if (r.protocol !== c.protocol) return false;
  if (r.hostname.toLowerCase() !== c.hostname.toLowerCase()) return false;
  if (effectivePort(r) !== effectivePort(c)) return false;
  // Compare decoded-equivalent paths literally; dot segments are already resolved by URL parsing, and an
  // encoded slash or dot could otherwise smuggle a path outside the registered one.
  if (/%2e|%2f|%5c/i.test(c.pathname)) return false;
  const base = r.pathname.endsWith('/') ? r.pathname : r.pathname + '/';
  return c.pathname === r.pathname || c.pathname.startsWith(base);
}

/** The registered URL that admits `candidate`, or undefined. Without a candidate the first registered URL. */
export function chooseRedirect(registered: readonly string[], candidate: string | undefined): string | undefined {
  if (candidate === undefined) return registered[0];
  return registered.some((r) => redirectMatches(r, candidate)) ? candidate : undefined;
}
