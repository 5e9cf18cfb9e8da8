import { createServer } from 'node:http';

/**
 * The physical limit: a bare node:http server answering the same JSON as Tessera's auth.test, with the same
 * headers, so that both servers put the same bytes on the wire and the client does the same work for each.
 */
const body = JSON.stringify({
  ok: true,
  url: 'http://127.0.0.1:3100/t/acme/',
  team: 'Acme',
  user: 'bench_app',
  team_id: 'T0ACME0001',
  user_id: 'U0BENCH001',
  bot_id: 'B0BENCH001',
  is_enterprise_install: false,
});
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-oauth-scopes': 'chat:write',
      'x-accepted-oauth-scopes': '',
    });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`listening http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
