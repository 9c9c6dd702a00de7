// An integration that declares nothing, for GitBook's runtime: what it answers on each
// event type is what gbrt must answer without a handler (bare_server.cpp).
import { createIntegration } from '@gitbook/runtime';

export default createIntegration({});
