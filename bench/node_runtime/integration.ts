// What gbrt-server's example app does with a page view (apps/gbrt-server/example_handlers.cpp:
// count views per space), written for GitBook's own runtime, as bench/run's Node baseline.
import { createIntegration } from '@gitbook/runtime';

const views = new Map<string, number>();

export default createIntegration({
    events: {
        space_view: async (event) => {
            views.set(event.spaceId, (views.get(event.spaceId) ?? 0) + 1);
        },
    },
});
