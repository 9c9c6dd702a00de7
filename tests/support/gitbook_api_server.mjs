// GitBook's API as the tests need it (Node 20, started by a test): the endpoints gbrt's
// API client and OAuth call, answered as @gitbook/api's spec/openapi.json describes them,
// over an in-memory store; and an OAuth provider's token endpoint.
// Usage: node gitbook_api_server.mjs --listen 127.0.0.1:0
// Prints "listening on HOST:PORT control CPORT". The control port (what tests use):
//   POST /seed {installations:[{id,configuration,…}], spaces:[{installation,space,…}],
//               sites:[{installation,site,…}]}       the store's contents
//   POST /fail {method, path, status, times, retry_after}   the next `times` matching calls
//                                                            answer `status`
//   GET  /log      every API call: {method, path, authorization, user_agent, body}
//   GET  /store    the store; GET /tasks: the queued tasks; GET /stats: connections
import http from 'node:http';

const args = process.argv.slice(2);
const listen = (args[args.indexOf('--listen') + 1] ?? '127.0.0.1:0').split(':');

const store = { installations: {}, spaces: {}, sites: {} };
const log = [];
const tasks = [];
const failures = [];
const stats = { accepted: 0 };
let nextToken = 1;

function send(res, status, body) {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
const error = (res, status, message) => send(res, status, { error: { code: status, message } });

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
  });
}

// RequestUpdateIntegration*Installation: `configuration` replaces the stored one; the other
// fields (externalIds, …) are stored as given.
function update(target, body) {
  for (const [key, value] of Object.entries(body)) target[key] = value;
  target.updatedAt = new Date().toISOString();
  return target;
}

function api(req, res, text) {
  const url = new URL(req.url, 'http://x');
  const path = url.pathname;
  const entry = {
    method: req.method,
    path: path + url.search,
    authorization: req.headers.authorization ?? null,
    user_agent: req.headers['user-agent'] ?? null,
    content_type: req.headers['content-type'] ?? null,
    body: text,
  };
  log.push(entry);

  const failure = failures.find(
    (f) => f.times > 0 && (!f.method || f.method === req.method) && path.startsWith(f.path ?? ''),
  );
  if (failure) {
    failure.times--;
    if (failure.retry_after !== undefined) res.setHeader('Retry-After', String(failure.retry_after));
    return error(res, failure.status, `injected ${failure.status}`);
  }

  if (path === '/oauth/token') return oauthToken(res, text);
  if (!/^Bearer .+/.test(req.headers.authorization ?? '')) {
    return error(res, 401, 'Missing or invalid authentication token');
  }
  let body = {};
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      return error(res, 400, 'Invalid JSON body');
    }
  }

  let m;
  if ((m = path.match(/^\/v1\/integrations\/([^/]+)\/tasks$/)) && req.method === 'POST') {
    if (typeof body.task !== 'object' || body.task === null || Array.isArray(body.task)) {
      return error(res, 400, 'task must be an object');
    }
    if (body.schedule !== undefined &&
        (typeof body.schedule !== 'number' || body.schedule < 0 || body.schedule > 86400)) {
      return error(res, 400, 'schedule must be a number from 0 to 86400');
    }
    tasks.push({ integration: m[1], task: body.task, schedule: body.schedule ?? 0,
                 authorization: entry.authorization });
    return send(res, 204);
  }
  const base = '^/v1/integrations/([^/]+)/installations/([^/]+)';
  const kinds = [
    [new RegExp(base + '/spaces/([^/]+)$'), 'spaces'],
    [new RegExp(base + '/sites/([^/]+)$'), 'sites'],
    [new RegExp(base + '$'), 'installations'],
  ];
  for (const [pattern, kind] of kinds) {
    const found = path.match(pattern);
    if (!found) continue;
    const key = kind === 'installations' ? found[2] : `${found[2]}/${found[3]}`;
    const target = store[kind][key];
    if (!target) return error(res, 404, `${kind} ${key} not found`);
    if (req.method === 'GET') return send(res, 200, target);
    if (req.method === 'PATCH') return send(res, 200, update(target, body));
    return error(res, 405, 'Method not allowed');
  }
  return error(res, 404, `No route for ${req.method} ${path}`);
}

// An OAuth provider's token endpoint: a code (any) or a refresh token gives a new access token.
function oauthToken(res, text) {
  const form = new URLSearchParams(text);
  const grant = form.get('grant_type');
  if (form.get('client_id') !== 'the-client' || form.get('client_secret') !== 'the-secret') {
    return send(res, 401, { error: 'invalid_client' });
  }
  if (grant === 'authorization_code' && form.get('code')) {
    const n = nextToken++;
    return send(res, 200, { access_token: `access-${n}`, refresh_token: `refresh-${n}`,
                            expires_in: Number(form.get('code').split('-expires-')[1] ?? 3600) });
  }
  if (grant === 'refresh_token' && form.get('refresh_token')) {
    const n = nextToken++;
    return send(res, 200, { access_token: `access-${n}`, expires_in: 3600 });
  }
  return send(res, 400, { error: 'invalid_grant' });
}

const server = http.createServer(async (req, res) => api(req, res, await readBody(req)));
server.keepAliveTimeout = 60000;
server.on('connection', () => stats.accepted++);

const control = http.createServer(async (req, res) => {
  const text = await readBody(req);
  const body = text ? JSON.parse(text) : {};
  switch (`${req.method} ${req.url}`) {
    case 'POST /seed':
      for (const i of body.installations ?? []) store.installations[i.id] = { status: 'active', ...i };
      for (const s of body.spaces ?? []) store.spaces[`${s.installation}/${s.space}`] = s;
      for (const s of body.sites ?? []) store.sites[`${s.installation}/${s.site}`] = s;
      return send(res, 200, {});
    case 'POST /fail':
      failures.push(body);
      return send(res, 200, {});
    case 'GET /log':
      return send(res, 200, log);
    case 'GET /store':
      return send(res, 200, store);
    case 'GET /tasks':
      return send(res, 200, tasks);
    case 'GET /stats':
      return send(res, 200, stats);
    default:
      return send(res, 404, {});
  }
});

server.listen(Number(listen[1]), listen[0], () => {
  control.listen(0, '127.0.0.1', () => {
    process.stdout.write(
      `listening on ${listen[0]}:${server.address().port} control ${control.address().port}\n`,
    );
  });
});
process.on('SIGTERM', () => process.exit(0));
