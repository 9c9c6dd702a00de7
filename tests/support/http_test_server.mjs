// The far end of gbrt's outbound HTTP client in tests: an HTTP or HTTPS server (Node 20)
// started as a child process. Usage: node http_test_server.mjs --listen 127.0.0.1:0
// [--cert server.pem --key server.key]. Prints "listening on HOST:PORT control CPORT".
// The control port (plain HTTP) answers GET /stats with the connections it accepted and saw
// closed, so a test counts connections without opening one on the port it measures.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const [host, port] = (option('--listen') ?? '127.0.0.1:0').split(':');
const cert = option('--cert');
const key = option('--key');

const stats = { accepted: 0, closed: 0, requests: 0, waiting: 0 };
const attempts = new Map(); // /flaky?key=K -> requests seen

function answer(req, res, body) {
  const url = new URL(req.url, 'http://x');
  const q = url.searchParams;
  stats.requests++;
  switch (url.pathname) {
    case '/echo':
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
      return;
    case '/slow': {
      // Answers after ?ms=N, or never: the client's deadline has to end it.
      stats.waiting++;
      const done = () => stats.waiting--;
      res.on('close', done);
      if (q.has('ms')) setTimeout(() => res.end('late'), Number(q.get('ms')));
      return;
    }
    case '/status': {
      const code = Number(q.get('code') ?? 200);
      if (q.has('retry_after')) res.setHeader('Retry-After', q.get('retry_after'));
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code, message: `status ${code}` } }));
      return;
    }
    case '/flaky': {
      // The first ?fail=N requests of ?key=K get ?code=C, the next ones 200.
      const k = q.get('key');
      const seen = (attempts.get(k) ?? 0) + 1;
      attempts.set(k, seen);
      if (seen <= Number(q.get('fail') ?? 0)) {
        if (q.has('retry_after')) res.setHeader('Retry-After', q.get('retry_after'));
        res.writeHead(Number(q.get('code') ?? 503));
        res.end('not now');
      } else {
        res.end(JSON.stringify({ attempt: seen }));
      }
      return;
    }
    case '/big':
      res.end('x'.repeat(Number(q.get('bytes') ?? 0)));
      return;
    case '/close':
      res.setHeader('Connection', 'close');
      res.end('bye');
      return;
    default:
      res.writeHead(404);
      res.end('no such path');
  }
}

function handler(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => answer(req, res, Buffer.concat(chunks).toString()));
}

const server = cert
  ? https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, handler)
  : http.createServer(handler);
server.keepAliveTimeout = 60000; // connection reuse is what the tests measure
server.on('connection', (socket) => {
  stats.accepted++;
  socket.on('close', () => stats.closed++);
});

const control = http.createServer((req, res) => {
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(stats));
});

server.listen(Number(port), host, () => {
  control.listen(0, '127.0.0.1', () => {
    process.stdout.write(
      `listening on ${host}:${server.address().port} control ${control.address().port}\n`,
    );
  });
});
process.on('SIGTERM', () => process.exit(0));
