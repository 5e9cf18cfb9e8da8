import type { FastifyInstance } from 'fastify';

/** Pages take URL-encoded forms only, each field once: a repeated field is a tampered form. */
export function acceptFormsOnly(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
    const out: Record<string, string> = Object.create(null);
    for (const [k, v] of new URLSearchParams(body as string)) {
      if (k in out) {
        done(Object.assign(new Error('repeated form field'), { statusCode: 400 }), undefined);
        return;
      }
      out[k] = v;
    }
    done(null, out);
  });
}
