// The integration gbrt-server's example app mirrors (apps/gbrt-server/example_handlers.cpp),
// written for GitBook's own runtime: tests/differential compares their answers.
import { createComponent, createIntegration, ExposableError } from '@gitbook/runtime';

let tasks = 0;

const counter = createComponent<{ start?: unknown }, { count: number }, { action: string; by?: unknown }>({
    componentId: 'counter',
    initialState: (props) => ({ count: typeof props.start === 'number' ? props.start : 0 }),
    action: async (element, action) => {
        switch (action.action) {
            case 'increment': {
                const by = typeof action.by === 'number' ? action.by : 1;
                return { state: { ...element.state, count: element.state.count + by } };
            }
            case 'reset':
                return { state: { count: 0 } };
            case 'close':
                return { type: 'complete', returnValue: { count: element.state.count } };
            default:
                throw new ExposableError(`Unknown action ${action.action}`, 400);
        }
    },
    render: async (element) => {
        element.setCache({ maxAge: 60 });
        return { type: 'block', children: [{ type: 'text', children: `Count: ${element.state.count}` }] };
    },
});

export default createIntegration({
    components: [counter],
    fetch: async (request) => {
        const url = new URL(request.url);
        if (request.method === 'GET' && url.pathname.endsWith('/hello')) {
            return Response.json({ hello: url.searchParams.get('name') ?? 'world' });
        }
        if (request.method === 'POST' && url.pathname.endsWith('/echo')) {
            return new Response(await request.text(), {
                headers: { 'Content-Type': request.headers.get('content-type') ?? 'text/plain' },
            });
        }
        return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });
    },
    fetch_published_script: async (event) => {
        if (event.siteId.startsWith('site_none')) return undefined;
        return new Response(`window.gbrtSite=${JSON.stringify(event.siteId)};`, {
            headers: { 'Content-Type': 'application/javascript' },
        });
    },
    fetch_visitor_authentication: async (event) => {
        const site = encodeURIComponent(event.siteId);
        const location = encodeURIComponent(event.location ?? '');
        return Response.redirect(`https://auth.example.com/login?site=${site}&location=${location}`, 302);
    },
    task: async () => {
        tasks += 1;
    },
});
