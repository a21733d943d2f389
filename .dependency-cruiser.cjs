/**
 * The folder rule of docs/architecture.md ("Folders"), checked by `npm run lint`:
 *
 *   common ← schema ← {tiles, data} ← server ← {bench, test, deploy};  web/src ← common only.
 *
 * Each folder imports only the folders below it (and its own files), so no folder imports one
 * that imports it back; on top of that no module may take part in an import cycle. Unit tests
 * (`*.test.ts` beside the code) are tests: they may also import test/support/.
 */

/** Our top folders, each matched from the repository root. */
const folders = (...names) => `^(${names.join('|')})/`;
const ALL = ['common', 'schema', 'tiles', 'data', 'server', 'web', 'bench', 'test', 'deploy'];
const TEST_FILE = '\\.test\\.ts$';

/** A rule: modules under `from` (tests excluded) import only `allowed` of our folders. */
function only(from, allowed, comment) {
  const forbidden = ALL.filter((f) => !allowed.includes(f) && f !== from);
  return {
    name: `${from}-imports-${allowed.length ? allowed.join('-') : 'nothing'}`,
    comment,
    severity: 'error',
    from: { path: `^${from}/`, pathNot: TEST_FILE },
    to: { path: folders(...forbidden) },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'An import cycle (an `import type` counts too): split the module, or declare what both ' +
        'need below them.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    only('common', [], 'common/ is the contract of web and server: it imports nothing of ours.'),
    only('schema', ['common'], 'schema/ (database types) imports common/ only.'),
    only('tiles', ['common', 'schema'], 'tiles/ imports common/ and schema/ only.'),
    only('data', ['common', 'schema'], 'data/ imports common/ and schema/ only.'),
    only(
      'server',
      ['common', 'schema', 'tiles', 'data'],
      'server/ never imports the tests, bench or deploy.',
    ),
    only(
      'deploy',
      ['common', 'schema', 'tiles', 'data', 'server'],
      'deploy/ sits on top of server/.',
    ),
    {
      name: 'web-src-imports-common',
      comment: 'The browser bundle imports common/ (and its own files) only, never server code.',
      severity: 'error',
      from: { path: '^web/src/', pathNot: TEST_FILE },
      to: { path: folders(...ALL.filter((f) => f !== 'common' && f !== 'web')) },
    },
    {
      name: 'web-src-tests-import-common-and-test-support',
      comment: "The web app's unit tests may also use test/support/, never server code.",
      severity: 'error',
      from: { path: `^web/src/.*${TEST_FILE}` },
      to: {
        path: folders(...ALL.filter((f) => f !== 'common' && f !== 'web')),
        pathNot: '^test/support/',
      },
    },
    {
      name: 'web-src-not-web-tooling',
      comment: "web/src is the browser's: it does not import web/'s node-side tooling.",
      severity: 'error',
      from: { path: '^web/src/' },
      to: { path: '^web/', pathNot: '^web/src/' },
    },
    {
      name: 'web-tooling-imports-nothing',
      comment: "web/'s node-side tooling (dev server, build check) imports none of our folders.",
      severity: 'error',
      from: { path: '^web/', pathNot: '^web/src/' },
      to: { path: folders(...ALL.filter((f) => f !== 'web')) },
    },
    {
      name: 'tests-not-bench-or-deploy',
      comment: 'Tests (test/ and unit tests) may import anything but the benchmarks.',
      severity: 'error',
      from: { path: `^test/|${TEST_FILE}` },
      to: { path: '^bench/' },
    },
    {
      name: 'bench-imports-test-support-only',
      comment: "bench/ reuses the tests' harness (test/support/), never a test file.",
      severity: 'error',
      from: { path: '^bench/', pathNot: TEST_FILE },
      to: { path: '^test/', pathNot: '^test/support/' },
    },
    {
      name: 'test-support-not-tests',
      comment: 'test/support/ is shared by the tests and the benchmarks: it imports no test file.',
      severity: 'error',
      from: { path: '^test/support/' },
      to: { path: TEST_FILE },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|\\.test-data)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.svelte', '.json'],
    },
  },
};
