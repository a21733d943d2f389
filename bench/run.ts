/**
 * `npm run bench -- <name> [args]`: runs bench/<name>.ts. Each benchmark prints its figures
 * against a baseline measured in the same run; none of them is a test.
 */
export {};

const BENCHMARKS: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> }>> = {
  tiles: () => import('./tiles'),
  import: () => import('./import'),
  map: () => import('./map'),
  ingest: () => import('./ingest'),
  impact: () => import('./impact'),
  scale: () => import('./scale'),
  cluster: () => import('./cluster'),
};

const [name, ...args] = process.argv.slice(2);
const load = name ? BENCHMARKS[name] : undefined;
if (!load) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [options]`);
  process.exit(2);
}
try {
  await (await load()).run(args);
  process.exit(0);
} catch (error) {
  console.error(`bench ${name} failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
}
