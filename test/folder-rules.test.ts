import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';

/** The rules `npm run lint` checks the tree with (.dependency-cruiser.cjs). */
const config = createRequire(import.meta.url)('../.dependency-cruiser.cjs') as {
  forbidden: IForbiddenRuleType[];
};

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** Cruises a scratch tree of `files` (path → source) with our rules; returns the rules broken. */
async function violations(files: Record<string, string>): Promise<string[]> {
  root = mkdtempSync(join(tmpdir(), 'twin-folders-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const { output } = await cruise(
    Object.keys(files).map((f) => f.split('/')[0]!),
    {
      baseDir: root,
      validate: true,
      tsPreCompilationDeps: true,
      ruleSet: { forbidden: config.forbidden },
    },
    { extensions: ['.ts'] },
  );
  const result = output as ICruiseResult;
  return result.summary.violations
    .filter((v) => v.rule.severity === 'error')
    .map((v) => v.rule.name)
    .sort();
}

describe('folder rule', () => {
  it('passes a tree that imports downward only', async () => {
    expect(
      await violations({
        'common/shape.ts': 'export type Shape = { id: string };',
        'schema/database.ts':
          "import type { Shape } from '../common/shape';\nexport type Row = Shape;",
        'tiles/tile.ts':
          "import type { Row } from '../schema/database';\nexport const t = (r: Row) => r;",
        'server/app.ts': "import { t } from '../tiles/tile';\nexport const app = t;",
        'test/app.test.ts': "import { app } from '../server/app';\nexport const x = app;",
        'web/src/main.ts':
          "import type { Shape } from '../../common/shape';\nexport const s: Shape[] = [];",
      }),
    ).toEqual([]);
  });

  it('fails a folder that imports one above it (data/ importing server/)', async () => {
    expect(
      await violations({
        'server/queries.ts': 'export const q = 1;',
        'data/seed.ts': "import { q } from '../server/queries';\nexport const s = q;",
      }),
    ).toEqual(['data-imports-common-schema']);
  });

  it('fails the web bundle importing server code, and common/ importing anything of ours', async () => {
    expect(
      await violations({
        'server/secret.ts': 'export const key = 1;',
        'web/src/main.ts': "import { key } from '../../server/secret';\nexport const k = key;",
        'common/bad.ts': "import { key } from '../server/secret';\nexport const b = key;",
      }),
    ).toEqual(['common-imports-nothing', 'web-src-imports-common']);
  });

  it('fails an import cycle inside one folder', async () => {
    expect(
      await violations({
        'server/a.ts': "import { b } from './b';\nexport const a = () => b;",
        'server/b.ts': "import { a } from './a';\nexport const b = () => a;",
      }),
    ).toEqual(['no-circular']);
  });

  it('fails a cycle closed only by an `import type`', async () => {
    expect(
      await violations({
        'web/src/a.ts':
          "import { B } from './b';\nexport interface A { b: B }\nexport const a = 1;",
        'web/src/b.ts': "import type { A } from './a';\nexport class B { a?: A }",
      }),
    ).toEqual(['no-circular']);
  });
});
