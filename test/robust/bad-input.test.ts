import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';
import { registeredRoutes } from '../support/routes';

/**
 * Issue #10 acceptance: every route the app registers (so a new route joins by itself), with
 * hand-picked bad input and property-based fuzzing (fast-check) of path parameters, query
 * strings and JSON bodies, sent as an admin (so handlers run, not just the guard) and as an
 * ingest key for ingest. No answer is a 5xx, none carries a stack trace or SQL, and where every
 * request to a route was refused the database is as it was.
 */
const INGEST_KEY = 'robust-ingest-key-0123456789';
/** Small on purpose: the suite runs on two cores beside everything else. */
const RUNS = 4;

const BAD_SEGMENTS = [
  '%00',
  'a%00b',
  '%FF',
  '%C3%28',
  '%E2%82',
  '-1',
  '0',
  '1e308',
  '99999999999999999999999',
  'NaN',
  'Infinity',
  '..%2F..%2Fetc%2Fpasswd',
  "1'%20OR%20'1'='1",
  'x'.repeat(3000),
  '%F0%9F%92%A9',
  '12.5',
  '0x10',
];
const BAD_QUERIES = [
  'limit=1e308',
  'limit=-1',
  'limit=abc',
  'cursor=%%%',
  'cursor=eyJ4IjoxfQ',
  'cursor=' + 'A'.repeat(5000),
  'bbox=NaN,NaN,NaN,NaN',
  'bbox=-1e308,-1e308,1e308,1e308',
  'bbox=1,2,3',
  'at=1e20',
  'at=-8640000000000001',
  'at=9999-12-31T00:00:00Z',
  'from=0&to=1e300',
  'from=-1e20',
  'since=%00',
  'q=%00',
  'q=%FF%FE',
  'zoom=1e308',
  'res=99',
  'scenario=%00',
  'scenario=not-a-uuid',
  'format=%00',
  'kind=' + 'x,'.repeat(2000),
  'metric=%C0%AF',
  'layer=' + 'a'.repeat(10_000),
  'offset=1e308',
  'bucket=1e308',
  'hours=1e308',
  'days=-1e308',
];
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const BAD_BODIES: { type: string; body: string }[] = [
  { type: 'application/json', body: deep(5000) },
  {
    type: 'application/json',
    body: '{"name":"a\\u0000b","username":"a\\u0000","password":"\\u0000"}',
  },
  {
    type: 'application/json',
    body: '{"value":1e308,"floors":1e308,"height_m":-1e308,"limit":1e308}',
  },
  {
    type: 'application/json',
    body: '{"ts":1e300,"at":"+275760-09-13T00:00:00.000Z","from":-1e20}',
  },
  { type: 'application/json', body: '{"name":"' + 'x'.repeat(200_000) + '"}' },
  {
    type: 'application/json',
    body: '{"kind":"add_building","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[5,5],[6,5],[6,6],[5,6],[5,5]]]},"floors":3,"use":"office"}',
  },
  {
    type: 'application/json',
    body: '{"kind":"add_building","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]},"floors":3,"use":"office"}',
  },
  {
    type: 'application/json',
    body: '{"kind":"add_building","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]},"floors":3,"use":"office"}',
  },
  {
    type: 'application/json',
    body: '{"kind":"add_building","geometry":{"type":"Polygon","coordinates":[[[1e308,0],[1,0],[1,1],[1e308,0]]]},"floors":3}',
  },
  {
    type: 'application/json',
    body: '{"shares":[{"user":"\\u0000","access":"read"}],"role":"root","access":"everyone"}',
  },
  { type: 'application/json', body: '[{"sensor":"s\\u0000","ts":"1e400","value":"NaN"}]' },
  { type: 'application/json', body: '{"a":' },
  { type: 'application/json', body: '\uFEFF{}' },
  { type: 'text/plain', body: '{"name":"x"}' },
  { type: 'application/x-www-form-urlencoded', body: 'name=x' },
  { type: 'application/json', body: '"just a string"' },
  { type: 'application/json', body: 'null' },
];

/** What no answer may show: a stack frame, a module path, SQL or a driver's message. */
const LEAK =
  /\bat [\w$.<>]+ \(|node_modules|\.ts:\d+|\bSELECT\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b|\bDELETE FROM\b|syntax error at|relation "|column "|violates|duplicate key|invalid input syntax|SQLSTATE|PGlite|postgres\.js/i;

/** Path parameters (`:name`, `:name{regex}`) and the catch-all `*` replaced by `value`. */
const fill = (route: string, value: string) =>
  route.replace(/:[a-zA-Z]+(\{[^}]*\})?/g, value).replace(/\*$/, value);

const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(
      1e308,
      -1e308,
      Number.MAX_SAFE_INTEGER + 2,
      -1,
      0,
      0.5,
      1e-320,
      true,
      null,
      '',
      '\u0000',
      '\uD800',
      'NaN',
      '1e308',
      '9999-99-99',
      '2026-06-21T10:00:00Z',
    ),
    fc.string({ maxLength: 40 }),
    fc.double(),
    fc.integer(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.constantFrom(
        'name',
        'kind',
        'geometry',
        'value',
        'floors',
        'use',
        'role',
        'password',
        'username',
        'access',
        'shares',
        'limit',
        'ts',
        'sensor',
        'external_id',
        'location',
        'description',
        'published',
        'coordinates',
        'type',
        'height_m',
      ),
      tie('value'),
      { maxKeys: 6 },
    ),
  ),
})).value;

const querySegment = fc
  .tuple(
    fc.constantFrom(
      'limit',
      'cursor',
      'bbox',
      'at',
      'from',
      'to',
      'q',
      'zoom',
      'res',
      'scenario',
      'format',
      'kind',
      'metric',
      'since',
      'layer',
      'bucket',
      'id',
    ),
    fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('1e308', '-1', 'NaN', '%00', '%FF', '', '0,0,0,0', '5.1,52.0,5.2,52.1'),
    ),
  )
  .map(([k, v]) => `${k}=${/%[0-9A-F]{2}/.test(v) ? v : encodeURIComponent(v)}`);

describe.each(BACKENDS)('bad input on every route on %s', (kind) => {
  let twin: TestTwin;
  let admin: Record<string, string>;

  beforeAll(async () => {
    twin = await createTestTwin(kind, { TWIN_INGEST_KEYS: INGEST_KEY });
    admin = await twin.as('admin');
  });
  afterAll(async () => {
    await twin?.dispose();
  });

  /** Row counts of what a refused request must not change. */
  const fingerprint = async () => {
    const { rows } = await sql<Record<string, string>>`
      SELECT (SELECT count(*) FROM scenarios) AS scenarios, (SELECT count(*) FROM scenario_edits) AS edits,
             (SELECT count(*) FROM datasets) AS datasets, (SELECT count(*) FROM users) AS users,
             (SELECT count(*) FROM sensors) AS sensors, (SELECT count(*) FROM buildings) AS buildings,
             (SELECT md5(coalesce(string_agg(key || '=' || value::text, ',' ORDER BY key), '')) FROM impact_factors) AS factors`.execute(
      twin.backend.db,
    );
    return rows[0];
  };

  it('answers every route with a clean 4xx (or a success), never a 5xx, a stack or SQL', async () => {
    const routes = registeredRoutes(twin);
    expect(routes.length).toBeGreaterThan(50);
    const failures: string[] = [];
    let sent = 0;

    const send = async (method: string, path: string, body?: { type: string; body: string }) => {
      const headers: Record<string, string> = {
        ...(path.startsWith('/api/ingest') ? { Authorization: `Bearer ${INGEST_KEY}` } : admin),
      };
      if (body) headers['Content-Type'] = body.type;
      const res = await twin.app.request(path, { method, headers, body: body?.body });
      sent++;
      const type = res.headers.get('Content-Type') ?? '';
      // Event streams and binary files are only opened; JSON and text answers are read.
      const text =
        /json|text\/plain|text\/html/.test(type) && !/event-stream/.test(type)
          ? await res.text()
          : (await res.body?.cancel().catch(() => undefined), '');
      if (res.status >= 500)
        failures.push(
          `${method} ${path.slice(0, 120)} ${body ? `[${body.body.slice(0, 60)}]` : ''} → ${res.status} ${text.slice(0, 200)}`,
        );
      else if (res.status >= 400 && LEAK.test(text))
        failures.push(
          `${method} ${path.slice(0, 120)} → ${res.status} leaks: ${text.slice(0, 200)}`,
        );
      return res.status;
    };

    for (const route of routes) {
      const [method, pattern] = route.split(' ') as [string, string];
      const before = await fingerprint();
      let changedAllowed = false;
      const note = (status: number) => {
        if (status < 400) changedAllowed = true;
      };
      const hasBody = method !== 'GET' && method !== 'HEAD';
      const hasParams = fill(pattern, '') !== pattern;
      if (hasParams) for (const seg of BAD_SEGMENTS) note(await send(method, fill(pattern, seg)));
      const base = fill(pattern, '1');
      if (!hasBody) for (const q of BAD_QUERIES) note(await send(method, `${base}?${q}`));
      if (hasBody) for (const b of BAD_BODIES) note(await send(method, base, b));
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string({ maxLength: 20 }).map(encodeURIComponent),
            fc.constantFrom(...BAD_SEGMENTS),
          ),
          fc.array(querySegment, { maxLength: 4 }),
          jsonValue,
          async (segment, query, value) => {
            const path = `${fill(pattern, segment || 'x')}${query.length ? `?${query.join('&')}` : ''}`;
            note(
              await send(
                method,
                path,
                hasBody ? { type: 'application/json', body: JSON.stringify(value) } : undefined,
              ),
            );
          },
        ),
        { numRuns: RUNS, seed: 10 },
      );
      if (!changedAllowed) {
        const after = await fingerprint();
        if (JSON.stringify(after) !== JSON.stringify(before))
          failures.push(`${route}: refused requests changed the database`);
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(routes.length * 15);
  }, 600_000);
});
