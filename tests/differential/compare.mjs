// Sends every case of cases.json to gbrt (over HTTP, as GitBook's dispatcher: multipart) and
// to GitBook's runtime running integration.ts, and compares status, media type,
// Cache-Control, Location and body (JSON as JSON). Every element gbrt renders is also
// validated against the ContentKit schema of @gitbook/api's spec.
// Usage: node compare.mjs GBRT_URL INTEGRATION_BUNDLE CASES_JSON ENVIRONMENT_JSON SPEC_JSON
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import Ajv from 'ajv';

const [gbrtUrl, bundle, casesFile, environmentFile, specFile] = process.argv.slice(2);
const integration = (await import(bundle)).default;
const cases = JSON.parse(readFileSync(casesFile, 'utf8'));
const environment = readFileSync(environmentFile, 'utf8');
const spec = JSON.parse(readFileSync(specFile, 'utf8'));

const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ $id: 'spec', components: spec.components });
const validRoot = ajv.getSchema('spec#/components/schemas/ContentKitRootElement');

function form(c) {
    const data = new FormData();
    data.append('event', JSON.stringify(c.event));
    data.append('environment', environment);
    if (c.fetchBody !== undefined) data.append('fetch-body', c.fetchBody);
    return data;
}

async function summary(response) {
    const type = response.headers.get('content-type');
    const mediaType = type === null ? null : type.split(';')[0].trim().toLowerCase();
    const text = await response.text();
    let body = text;
    if (mediaType === 'application/json') body = JSON.parse(text);
    return {
        status: response.status,
        mediaType,
        cacheControl: response.headers.get('cache-control'),
        location: response.headers.get('location'),
        body,
        text,
    };
}

let failures = 0;
for (const c of cases) {
    const gbrt = await summary(
        await fetch(`${gbrtUrl}/v1`, { method: 'POST', body: form(c), redirect: 'manual' }),
    );
    const request = new Request('http://localhost/v1', { method: 'POST', body: form(c) });
    const reference = await summary(await integration.fetch(request, {}, { waitUntil() {} }));
    const problems = [];
    for (const key of ['status', 'mediaType', 'cacheControl', 'location', 'body']) {
        if (!isDeepStrictEqual(gbrt[key], reference[key])) {
            problems.push(`${key}: gbrt ${JSON.stringify(gbrt[key])} runtime ${JSON.stringify(reference[key])}`);
        }
    }
    // Props and state go back byte for byte as JSON.stringify writes them.
    if (gbrt.mediaType === 'application/json' && gbrt.text !== reference.text) {
        problems.push(`JSON text: gbrt ${gbrt.text} runtime ${reference.text}`);
    }
    if (gbrt.body?.type === 'element' && !validRoot(gbrt.body.element)) {
        problems.push(`invalid ContentKit: ${ajv.errorsText(validRoot.errors)}`);
    }
    if (problems.length > 0) {
        failures += 1;
        console.log(`FAIL ${c.name}\n  ${problems.join('\n  ')}`);
    } else {
        console.log(`ok   ${c.name}: ${gbrt.status} ${gbrt.mediaType ?? '-'}`);
    }
}
console.log(`${cases.length - failures}/${cases.length} cases agree`);
process.exit(failures === 0 ? 0 : 1);
