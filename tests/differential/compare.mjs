// Sends every case of cases.json to gbrt's example app (over HTTP, as GitBook's dispatcher:
// multipart) and to GitBook's runtime running integration.ts, and compares status, media
// type, Cache-Control, Location and body (JSON as JSON). A case marked "gbrtOnly" (a
// component the TypeScript integration does not have) goes to gbrt alone and must render.
// Then every fixture (tests/fixtures/<type>-N.json) goes to gbrt without handlers and to an
// integration that declares nothing: the same comparison, and every event type of the spec
// must be among them. Every element gbrt renders, and every element of the ContentKit
// catalogue (the builders' output), is validated against the ContentKit schema of
// @gitbook/api's spec.
// Usage: node compare.mjs GBRT_URL INTEGRATION_BUNDLE BARE_GBRT_URL BARE_BUNDLE CASES_JSON
//        FIXTURES_DIR SPEC_JSON CATALOGUE_JSON
import { readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import Ajv from 'ajv';

const [gbrtUrl, bundle, bareUrl, bareBundle, casesFile, fixturesDir, specFile, catalogueFile] =
    process.argv.slice(2);
// GitBook's runtime logs every event and a stack per error: only the comparison is printed.
const print = (line) => process.stdout.write(`${line}\n`);
for (const level of ['log', 'debug', 'info', 'warn', 'error']) console[level] = () => {};
const integration = (await import(bundle)).default;
const bareIntegration = (await import(bareBundle)).default;
const cases = JSON.parse(readFileSync(casesFile, 'utf8'));
const environment = readFileSync(`${fixturesDir}/environment.json`, 'utf8');
const spec = JSON.parse(readFileSync(specFile, 'utf8'));
const catalogue = JSON.parse(readFileSync(catalogueFile, 'utf8'));

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
let checked = 0;
function report(name, problems, detail) {
    checked += 1;
    if (problems.length > 0) {
        failures += 1;
        print(`FAIL ${name}\n  ${problems.join('\n  ')}`);
    } else {
        print(`ok   ${name}: ${detail}`);
    }
}

// Ajv lists every branch of every oneOf it tried: the start says enough.
function invalidContentKit() {
    const text = ajv.errorsText(validRoot.errors);
    return `invalid ContentKit: ${text.length > 600 ? `${text.slice(0, 600)}…` : text}`;
}

function contentKitProblems(gbrt) {
    if (gbrt.body?.type === 'element' && !validRoot(gbrt.body.element)) return [invalidContentKit()];
    return [];
}

async function compare(name, c, url, reference) {
    const gbrt = await summary(
        await fetch(`${url}/v1`, { method: 'POST', body: form(c), redirect: 'manual' }),
    );
    const problems = contentKitProblems(gbrt);
    if (c.gbrtOnly) {
        if (gbrt.status !== 200 || gbrt.body?.type !== 'element') {
            problems.push(`gbrt ${gbrt.status} ${gbrt.text}, expected a rendered element`);
        }
        report(name, problems, `${gbrt.status} gbrt only`);
        return;
    }
    const request = new Request('http://localhost/v1', { method: 'POST', body: form(c) });
    const expected = await summary(await reference.fetch(request, {}, { waitUntil() {} }));
    for (const key of ['status', 'mediaType', 'cacheControl', 'location', 'body']) {
        if (!isDeepStrictEqual(gbrt[key], expected[key])) {
            problems.push(
                `${key}: gbrt ${JSON.stringify(gbrt[key])} runtime ${JSON.stringify(expected[key])}`,
            );
        }
    }
    // Props and state go back byte for byte as JSON.stringify writes them.
    if (gbrt.mediaType === 'application/json' && gbrt.text !== expected.text) {
        problems.push(`JSON text: gbrt ${gbrt.text} runtime ${expected.text}`);
    }
    report(name, problems, `${gbrt.status} ${gbrt.mediaType ?? '-'}`);
}

for (const c of cases) await compare(c.name, c, gbrtUrl, integration);

// No handlers: every fixture, and every event type of the spec among them.
const fixtures = readdirSync(fixturesDir)
    .filter((f) => /^[a-z_]+-\d+\.json$/.test(f))
    .sort();
const typesSent = new Set();
for (const file of fixtures) {
    const event = JSON.parse(readFileSync(`${fixturesDir}/${file}`, 'utf8'));
    typesSent.add(event.type);
    await compare(`unhandled ${file}`, { event }, bareUrl, bareIntegration);
}
const schemas = spec.components.schemas;
function eventType(ref) {
    const schema = schemas[ref.split('/').pop()];
    for (const part of [schema, ...(schema.allOf ?? [])]) {
        const resolved = part.$ref ? schemas[part.$ref.split('/').pop()] : part;
        if (resolved.properties?.type?.enum) return resolved.properties.type.enum[0];
    }
    throw new Error(`no type in ${ref}`);
}
const specTypes = schemas.Event.oneOf.map((r) => eventType(r.$ref));
const missing = specTypes.filter((t) => !typesSent.has(t));
report(
    `unhandled: all ${specTypes.length} event types of the spec`,
    missing.length > 0 ? [`no fixture of ${missing.join(', ')}`] : [],
    `${typesSent.size} types sent`,
);

// The builders' catalogue.
for (const { name, element } of catalogue) {
    const valid = validRoot(element);
    report(
        `contentkit ${name}`,
        valid ? [] : [invalidContentKit()],
        'valid',
    );
}

print(`${checked - failures}/${checked} agree`);
process.exit(failures === 0 ? 0 : 1);
