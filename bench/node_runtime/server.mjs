// bench/node_runtime/server.mjs INTEGRATION.mjs PORT: serves a bundled @gitbook/runtime
// integration over node:http on 127.0.0.1:PORT, as a self-hosted Node deployment would: each
// request becomes a fetch Request for the integration's fetch(), its Response is written back.
// console.log and console.debug are silenced, so the figure is the runtime's, not its logging.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const [integrationPath, port] = process.argv.slice(2);
const integration = (await import(pathToFileURL(integrationPath).href)).default;
console.log = () => {};
console.debug = () => {};
const context = { waitUntil() {} };

const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
        headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    }
    let response;
    try {
        response = await integration.fetch(
            new Request(`http://127.0.0.1:${port}${req.url}`, {
                method: req.method,
                headers,
                body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
            }),
            {},
            context,
        );
    } catch (error) {
        response = new Response(String(error), { status: 500 });
    }
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(body);
});
server.keepAliveTimeout = 120_000;
server.listen(Number(port), '127.0.0.1');
