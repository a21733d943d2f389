import { validateTraffic } from '../validate/validate-traffic';

/**
 * `npm run validate -- traffic <prefix> [--json] [--toll-factor f] [--distance-factor f]
 * [--gap g] [--max-iterations n]`: assigns a TNTP network (`<prefix>_net.tntp`, `_trips.tntp`,
 * optionally `_flow.tntp`) and prints iterations, relative gap, Beckmann objective, seconds and,
 * with a flow file, the relative flow RMSE and the largest relative error on links above 100 veh.
 * Exit code 2 for bad options, 1 when the files cannot be read.
 */
const USAGE =
  'usage: npm run validate -- traffic <prefix> [--json] [--toll-factor f] [--distance-factor f] [--gap g] [--max-iterations n]';

function fail(message: string, code: number): never {
  console.error(message);
  process.exit(code);
}

const [model, ...rest] = process.argv.slice(2);
if (model !== 'traffic') fail(USAGE, 2);
let prefix: string | undefined;
let json = false;
const numbers: Record<string, number> = {};
for (let i = 0; i < rest.length; i++) {
  const a = rest[i]!;
  if (a === '--json') json = true;
  else if (['--toll-factor', '--distance-factor', '--gap', '--max-iterations'].includes(a)) {
    const v = Number(rest[++i]);
    if (!Number.isFinite(v) || v < 0) fail(`${a} needs a non-negative number\n${USAGE}`, 2);
    numbers[a] = v;
  } else if (a.startsWith('--')) fail(`unknown option ${a}\n${USAGE}`, 2);
  else if (prefix === undefined) prefix = a;
  else fail(USAGE, 2);
}
if (!prefix) fail(USAGE, 2);

try {
  const r = validateTraffic(prefix, {
    tollFactor: numbers['--toll-factor'],
    distanceFactor: numbers['--distance-factor'],
    gap: numbers['--gap'],
    maxIterations: numbers['--max-iterations'],
  });
  if (json) console.log(JSON.stringify(r));
  else {
    console.log(`iterations       ${r.iterations}`);
    console.log(`relative gap     ${r.relative_gap.toExponential(3)}`);
    console.log(`objective        ${r.objective.toPrecision(10)} (Beckmann, file units)`);
    console.log(`seconds          ${r.seconds.toFixed(3)}`);
    if (r.flow_rmse_rel !== null) {
      console.log(`flow RMSE (rel)  ${r.flow_rmse_rel.toExponential(3)}`);
      console.log(`max rel error    ${r.max_rel_err!.toExponential(3)} (links above 100 veh)`);
    } else console.log('no flow file: no comparison');
  }
} catch (error) {
  fail(`validate failed: ${(error as Error).message}`, 1);
}
