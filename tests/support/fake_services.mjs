// The third-party services the ported integrations (examples/ported) call, as far as they
// call them, for tests (Node 20): Formspree's form endpoint and Mailchimp's OAuth, metadata
// and lists API. Usage: node fake_services.mjs --listen 127.0.0.1:0
// Prints "listening on HOST:PORT control CPORT"; the control port's GET /log lists the calls.
import http from 'node:http';

const args = process.argv.slice(2);
const listen = (args[args.indexOf('--listen') + 1] ?? '127.0.0.1:0').split(':');
const log = [];
let issued = 0;

function send(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function handle(req, res, text) {
  const url = new URL(req.url, 'http://x');
  const auth = req.headers.authorization ?? '';
  log.push({ method: req.method, path: url.pathname + url.search, authorization: auth,
             accept: req.headers.accept ?? null, body: text });
  let m;
  // Formspree: POST /f/<id> with the form as JSON; the id "broken" fails.
  if ((m = url.pathname.match(/^\/f\/([^/]+)$/)) && req.method === 'POST') {
    if (m[1] === 'broken') return send(res, 500, { error: 'broken form' });
    return send(res, 200, { ok: true, next: '/thanks' });
  }
  // Mailchimp's OAuth token endpoint (the client is the-client / the-secret).
  if (url.pathname === '/oauth2/token' && req.method === 'POST') {
    const form = new URLSearchParams(text);
    if (form.get('client_id') !== 'the-client' || form.get('client_secret') !== 'the-secret') {
      return send(res, 401, { error: 'invalid_client' });
    }
    return send(res, 200, { access_token: `mc-token-${++issued}`, expires_in: 0, scope: null });
  }
  // Mailchimp's metadata: where the account's API is (here: this server).
  if (url.pathname === '/oauth2/metadata') {
    if (!auth.startsWith('OAuth mc-token-')) return send(res, 401, { error: 'invalid_token' });
    return send(res, 200, { dc: 'us1', api_endpoint: `http://${req.headers.host}` });
  }
  if (url.pathname.startsWith('/3.0/') && !auth.startsWith('Bearer mc-token-')) {
    return send(res, 401, { title: 'API Key Invalid' });
  }
  if (url.pathname === '/3.0/lists' && req.method === 'GET') {
    return send(res, 200, { lists: [{ id: 'list1', web_id: 1, name: 'News' }], total_items: 1 });
  }
  if ((m = url.pathname.match(/^\/3\.0\/lists\/([^/]+)\/members$/)) && req.method === 'POST') {
    const member = JSON.parse(text);
    if (member.email_address === 'refused@example.com') {
      return send(res, 400, { title: 'Forgotten Email Not Subscribed' });
    }
    return send(res, 200, { id: 'm1', list_id: m[1], ...member });
  }
  return send(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => handle(req, res, Buffer.concat(chunks).toString()));
});
const control = http.createServer((req, res) => send(res, 200, log));
server.listen(Number(listen[1]), listen[0], () => {
  control.listen(0, '127.0.0.1', () => {
    process.stdout.write(
      `listening on ${listen[0]}:${server.address().port} control ${control.address().port}\n`,
    );
  });
});
process.on('SIGTERM', () => process.exit(0));
