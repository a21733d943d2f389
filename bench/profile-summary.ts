import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Summarises V8 `.cpuprofile` files (from `node --cpu-prof`): the functions with the most self
 * time, and self time grouped by package / source folder — the flat view of a flame graph. Open
 * the same file in Chrome DevTools (Performance ▸ Load profile) or speedscope for the graph.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Sampled time not idle; shares below are of this. */
  busyMs: number;
  functions: { name: string; selfMs: number; share: number }[];
  groups: { name: string; selfMs: number; share: number }[];
}

/** Where a frame's code lives: a package name, a folder of ours, node internals, GC… */
export function groupOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const ours = /\/(server|tiles|data|bench|common)\/(?:([a-z-]+)\/)?/.exec(url);
  if (ours) return ours[2] && ours[1] === 'server' ? `server/${ours[2]}` : ours[1]!;
  return url.replace(/^.*\//, '');
}

export function summarise(profile: Profile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Start-up (loading and compiling modules through tsx) is not what a benchmark measures.
  const loading = new Map<number, boolean>();
  const isLoading = (id: number): boolean => {
    const known = loading.get(id);
    if (known !== undefined) return known;
    const { url, functionName } = byId.get(id)!.callFrame;
    const here =
      url.includes('node:internal/modules') ||
      /node_modules\/tsx\//.test(url) ||
      functionName === 'compileSourceTextModule';
    const p = parent.get(id);
    const out = here || (p !== undefined && isLoading(p));
    loading.set(id, out);
    return out;
  };
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  // Shares are of the time the thread was busy: a server idles while the baseline's rounds run.
  const idle = [...self]
    .filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)')
    .reduce((a, [, ms]) => a + ms, 0);
  const busy = total - idle;
  const fn = new Map<string, number>();
  const group = new Map<string, number>();
  for (const [id, ms] of self) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    if (isLoading(id)) {
      group.set('(start-up: module loading)', (group.get('(start-up: module loading)') ?? 0) + ms);
      continue;
    }
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const file = url.replace(/^.*\/(node_modules\/)?/, '');
    const name =
      `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    fn.set(name, (fn.get(name) ?? 0) + ms);
    const g = groupOf(url, functionName);
    group.set(g, (group.get(g) ?? 0) + ms);
  }
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, selfMs]) => ({ name, selfMs, share: selfMs / busy }));
  return { totalMs: total, busyMs: busy, functions: rank(fn), groups: rank(group) };
}

/** Node flags that write a CPU profile of a child process into `dir` when it exits. */
export const cpuProfileFlags = (dir: string): string[] => ['--cpu-prof', `--cpu-prof-dir=${dir}`];

/** Prints the summary of every `.cpuprofile` in `dir` (or one file). */
export function printProfiles(path: string, top = 20): void {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(path, f))
    : [path];
  for (const file of files) {
    const s = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, top);
    const loading = s.groups.find((g) => g.name.startsWith('(start-up'))?.selfMs ?? 0;
    if (s.busyMs - loading < 0.05 * s.totalMs && files.length > 1) continue; // a helper thread
    console.log(
      `\n${file}: ${(s.totalMs / 1000).toFixed(1)} s sampled, ${(s.busyMs / 1000).toFixed(1)} s busy`,
    );
    console.log('  share of busy time by package / folder:');
    for (const g of s.groups.slice(0, 12))
      console.log(`    ${(g.share * 100).toFixed(1).padStart(5)} %  ${g.name}`);
    console.log('  functions with the most self time:');
    for (const f of s.functions)
      console.log(`    ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`);
  }
}

if (process.argv[1]?.endsWith('profile-summary.ts')) {
  printProfiles(process.argv[2] ?? '.', Number(process.argv[3] ?? 20));
}
