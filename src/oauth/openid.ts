import { hash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AVATAR_SIZES, discoveryDocument } from '../domain/openid.ts';
import { publishedKeys } from '../openid/keys.ts';
import type { PageDeps } from './deps.ts';

/**
 * Sign in with Slack's public documents: discovery (the issuer is the public URL, exactly) and the JWKS. Both are
 * fetched by relying parties' servers and by browser apps, so any origin may read them. The authorize endpoint
 * itself lives with the install flows' (authorize.ts), whose sign-in and consent pages it shares.
 */
export function registerOpenId(app: FastifyInstance, deps: PageDeps): void {
  app.get('/.well-known/openid-configuration', async (_request, reply) =>
    reply.header('access-control-allow-origin', '*').header('cache-control', 'public, max-age=300').send(discoveryDocument(deps.publicUrl())),
  );

  // Short-lived in caches: after a rotation, relying parties must find the new key soon.
  app.get('/openid/connect/keys', async (_request, reply) =>
    reply
      .header('access-control-allow-origin', '*')
      .header('cache-control', 'public, max-age=60')
      .type('application/json; charset=utf-8')
      .send(await publishedKeys(deps.store, deps.clock.now())),
  );

  // The pictures of `picture`, `user_image_*` and users.identity's `image_*`. Tessera keeps no photos: each member
  // gets a pattern drawn from their id alone, so the URL reveals nothing the id does not.
  app.get('/avatars/:user/:file', async (request, reply) => {
    const { user, file } = request.params as { user: string; file: string };
    const size = /^(\d{2,4})\.svg$/.exec(file)?.[1];
    if (!/^[A-Z0-9]{2,24}$/.test(user) || size === undefined || !(AVATAR_SIZES as readonly number[]).includes(Number(size))) {
      return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    }
    return reply.header('cache-control', 'public, max-age=86400').type('image/svg+xml').send(identicon(user, Number(size)));
  });
}

/** A 5×5 mirrored pattern in one colour, the usual default avatar. */
function identicon(seed: string, size: number): string {
  const digest = hash('sha256', seed, 'buffer');
  const hue = Math.round((digest[0]! / 255) * 360);
  const cells: string[] = [];
  for (let row = 0; row < 5; row++) {
    for (let col = 0; col < 3; col++) {
      if ((digest[1 + row * 3 + col]! & 1) === 0) continue;
      for (const x of col === 2 ? [2] : [col, 4 - col]) cells.push(`<rect x="${x + 1}" y="${row + 1}" width="1" height="1"/>`);
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 7 7"><rect width="7" height="7" fill="#f2f2f2"/><g fill="hsl(${hue} 55% 45%)">${cells.join('')}</g></svg>`;
}
