import { loadavg } from 'node:os';
import { fmt } from './load';

/**
 * Alternating rounds: every figure a benchmark reports is a ratio of the twin to a baseline
 * measured in the same run, round by round (baseline, twin, baseline, twin …), so a change in the
 * machine's load hits both sides alike. Each side of a round runs for at least `seconds`; the
 * ratio's median and spread over the rounds are what is reported.
 */
export interface RoundOptions {
  rounds: number;
  seconds: number;
}

/** One side of one round: a rate (higher is better) and, when measured, latencies in ms. */
export interface Trial {
  rate: number;
  /** Sorted latencies in milliseconds. */
  latencies?: number[];
}

export interface Side {
  label: string;
  /** Runs for at least `seconds` (round `round` of the run; 0-based). */
  trial(round: number, seconds: number): Promise<Trial>;
}

export interface Comparison {
  baseline: { label: string; trials: Trial[] };
  subject: { label: string; trials: Trial[] };
  /** subject ÷ baseline, per round. */
  ratios: number[];
  /** 1-minute load average at the start of each round. */
  load: number[];
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** (max − min) ÷ median, as a fraction. */
  relative: number;
}

export function spread(values: number[]): Spread {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return { median: NaN, min: NaN, max: NaN, relative: NaN };
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)!, relative: (s.at(-1)! - s[0]!) / median };
}

/** `0.93 (0.88–0.97, ±5 %)`: the median, the range and half the range relative to the median. */
export function formatSpread(s: Spread, digits = 2): string {
  if (!Number.isFinite(s.median)) return '-';
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)}, ±${fmt((s.relative * 100) / 2, 0)} %)`;
}

/** The value after `--<name>` on the command line, else `fallback`. */
export function benchOption(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
}

/** Reads `--rounds` and `--seconds` (defaults 5 and 5: the floor of an honest figure here). */
export function roundOptions(
  args: string[],
  defaults: RoundOptions = { rounds: 5, seconds: 5 },
): RoundOptions {
  const get = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    const v = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
    return v;
  };
  return {
    rounds: Math.round(get('rounds', defaults.rounds)),
    seconds: get('seconds', defaults.seconds),
  };
}

export const loadAverage = (): number => loadavg()[0]!;

/** Runs baseline and subject in alternation for `rounds` rounds and returns both sides' trials. */
export async function alternate(
  baseline: Side,
  subject: Side,
  { rounds, seconds }: RoundOptions,
  log: (line: string) => void = console.log,
  unit = '/s',
): Promise<Comparison> {
  const out: Comparison = {
    baseline: { label: baseline.label, trials: [] },
    subject: { label: subject.label, trials: [] },
    ratios: [],
    load: [],
  };
  for (let r = 0; r < rounds; r++) {
    out.load.push(loadAverage());
    const b = await baseline.trial(r, seconds);
    const s = await subject.trial(r, seconds);
    out.baseline.trials.push(b);
    out.subject.trials.push(s);
    out.ratios.push(s.rate / b.rate);
    log(
      `  round ${r + 1}/${rounds}: ${baseline.label} ${fmt(b.rate, 0)}${unit}, ${subject.label} ${fmt(s.rate, 0)}${unit} → ${fmt(s.rate / b.rate, 2)} (load ${fmt(out.load.at(-1)!, 1)})`,
    );
  }
  return out;
}

/** The median over rounds of a per-trial latency percentile. */
export function latencySpread(trials: Trial[], p: number): Spread {
  return spread(trials.map((t) => (t.latencies ? percentileOf(t.latencies, p) : NaN)));
}

export const percentileOf = (sorted: number[], p: number): number =>
  sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Prints one comparison: each side's rate and latencies, then the ratio with its spread. */
export function printComparison(title: string, c: Comparison, goal: string, unit = '/s'): void {
  const side = (label: string, trials: Trial[]) => {
    const rate = spread(trials.map((t) => t.rate));
    const lat = trials[0]?.latencies
      ? `   p50/p95/p99 ${[50, 95, 99].map((p) => fmt(latencySpread(trials, p).median, 1)).join('/')} ms`
      : '';
    return `    ${label.padEnd(46)} ${fmt(rate.median, 0).padStart(10)}${unit} (${fmt(rate.min, 0)}–${fmt(rate.max, 0)})${lat}`;
  };
  const load = spread(c.load);
  console.log(`\n${title}`);
  console.log(side(c.baseline.label, c.baseline.trials));
  console.log(side(c.subject.label, c.subject.trials));
  console.log(
    `    ratio over ${c.ratios.length} alternating rounds: ${formatSpread(spread(c.ratios))}   ${goal}   (load average ${fmt(load.min, 1)}–${fmt(load.max, 1)})`,
  );
}
