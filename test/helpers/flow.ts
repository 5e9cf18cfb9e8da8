import http from 'node:http';

/**
 * A browser without a browser: follows Tessera's sign-in and consent pages over HTTP with a cookie jar, for the
 * many rule tests of the install flows. The real-browser tests (test/browser/) prove the same pages in Chromium.
 */
export interface Response {
  status: number;
  location: string | undefined;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export class FlowClient {
  readonly base: string;
  readonly cookies = new Map<string, string>();

  constructor(base: string) {
    this.base = base;
  }

  request(method: string, pathOrUrl: string, form?: Record<string, string>): Promise<Response> {
    const url = new URL(pathOrUrl, this.base);
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers, timeout: 10_000 }, (res) => {
        for (const c of res.headers['set-cookie'] ?? []) {
          const [pair] = c.split(';');
          const eq = pair!.indexOf('=');
          this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: text, headers: res.headers }));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end(body);
    });
  }

  get(path: string): Promise<Response> {
    return this.request('GET', path);
  }

  post(path: string, form: Record<string, string>): Promise<Response> {
    return this.request('POST', path, form);
  }

  async signIn(email: string, password: string): Promise<Response> {
    const page = await this.get('/login');
    return this.post('/login', { csrf: hidden(page.body, 'csrf')!, next: '/', email, password });
  }
}

export function hidden(html: string, name: string): string | undefined {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
  return m ? decodeEntities(m[1]!) : undefined;
}

export function options(html: string, select: string): Array<{ value: string; label: string }> {
  const m = new RegExp(`<select id="${select}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
  if (!m) return [];
  return [...m[1]!.matchAll(/<option value="([^"]*)"[^>]*>([^<]*)<\/option>/g)].map((o) => ({ value: decodeEntities(o[1]!), label: decodeEntities(o[2]!) }));
}

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#96);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`' })[e]!);
}

/** Signs in (if needed), opens the authorize URL, and answers the consent page; returns Tessera's final redirect. */
export async function consent(
  client: FlowClient,
  authorizeUrl: string,
  options_: { decision?: 'allow' | 'cancel'; team?: string; channel?: string; email?: string; password?: string } = {},
): Promise<{ location: string; consentPage: Response }> {
  let page = await client.get(authorizeUrl);
  if (page.status === 302 && page.location?.startsWith('/login')) {
    await client.signIn(options_.email ?? 'alice@acme.test', options_.password ?? 'alice-password');
    page = await client.get(authorizeUrl);
  }
  if (page.status !== 200) {
    if (page.status === 302 && page.location) return { location: page.location, consentPage: page };
    throw new Error(`expected the consent page, got HTTP ${page.status}: ${page.body.slice(0, 300)}`);
  }
  const form: Record<string, string> = { csrf: hidden(page.body, 'csrf')!, request: hidden(page.body, 'request')!, decision: options_.decision ?? 'allow' };
  const team = options_.team ?? hidden(page.body, 'team') ?? options(page.body, 'team')[0]?.value;
  if (team) form['team'] = team;
  const channels = options(page.body, 'channel');
  if (channels.length > 0) form['channel'] = options_.channel ?? channels[0]!.value;
  const answer = await client.post('/oauth/consent', form);
  if (answer.status !== 302 || !answer.location) throw new Error(`consent answered HTTP ${answer.status}: ${answer.body.slice(0, 300)}`);
  return { location: answer.location, consentPage: page };
}
