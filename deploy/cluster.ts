/**
 * `npm run cluster`: the multi-instance setup on this machine (issue #16) — NATS with JetStream
 * and its MQTT listener, N twin instances on one PostgreSQL (plus replicas when
 * DATABASE_READ_URL is set), and nginx in front with deploy/nginx.conf.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/twin npm run cluster [-- --instances 2]
 *
 * Ports: nginx 8080 (the map; --port), instances 8081… (--base-port), NATS 4223 (--nats-port)
 * and its MQTT listener 1884 (--mqtt-port); set CLUSTER_NATS_URL to use a NATS you run yourself. Ctrl-C stops everything it started.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const DIR = join(ROOT, '.cluster');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const instances = Number(arg('instances', '2'));
const nginxPort = Number(arg('port', '8080'));
const basePort = Number(arg('base-port', '8081'));
const natsPort = Number(arg('nats-port', '4223'));
const natsMqttPort = Number(arg('mqtt-port', '1884'));

if (!process.env.DATABASE_URL) {
  console.error(
    'npm run cluster: set DATABASE_URL (instances share one PostgreSQL; the embedded database is one process only)',
  );
  process.exit(2);
}
for (const bin of ['nginx', 'nats-server']) {
  if (!process.env.CLUSTER_NATS_URL || bin === 'nginx') {
    if (spawnSync(bin, bin === 'nginx' ? ['-v'] : ['--version']).status !== 0) {
      console.error(`npm run cluster: ${bin} is not installed (Debian: apt-get install ${bin})`);
      process.exit(2);
    }
  }
}

const children: ChildProcess[] = [];
const run = (name: string, cmd: string, args: string[], env: Record<string, string> = {}) => {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = (d: Buffer) =>
    d
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => `[${name}] ${l}`)
      .join('\n') + '\n';
  child.stdout!.on('data', (d: Buffer) => process.stdout.write(prefix(d)));
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(prefix(d)));
  child.on('exit', (code, signal) => console.log(`[cluster] ${name} exited (${signal ?? code})`));
  children.push(child);
  return child;
};

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  for (const c of children.reverse()) c.kill(c.spawnfile === 'nginx' ? 'SIGQUIT' : 'SIGTERM');
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

mkdirSync(join(DIR, 'nginx'), { recursive: true });
let natsUrl = process.env.CLUSTER_NATS_URL;
if (!natsUrl) {
  writeFileSync(
    join(DIR, 'nats.conf'),
    `server_name: twin_cluster\nlisten: 127.0.0.1:${natsPort}\njetstream { store_dir: "${join(DIR, 'nats')}" }\nmqtt { listen: 127.0.0.1:${natsMqttPort} }\n`,
  );
  run('nats', 'nats-server', ['-c', join(DIR, 'nats.conf')]);
  natsUrl = `nats://127.0.0.1:${natsPort}`;
  await new Promise((r) => setTimeout(r, 1000));
}

const ports = Array.from({ length: instances }, (_, i) => basePort + i);
// The first instance migrates and seeds an empty database; the others start once it listens.
for (const [i, port] of ports.entries()) {
  const child = run(`twin-${i + 1}`, process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    NATS_URL: natsUrl,
    TWIN_PUBLIC_URL: process.env.TWIN_PUBLIC_URL ?? `http://localhost:${nginxPort}`,
    // One simulator is enough for the demo city.
    TWIN_SIMULATOR: i === 0 ? (process.env.TWIN_SIMULATOR ?? 'on') : 'off',
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`twin-${i + 1} exited before it answered /healthz`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 500));
  }
}

// deploy/nginx.conf as checked in, with this run's ports and a scratch directory.
let conf = readFileSync(join(ROOT, 'deploy/nginx.conf'), 'utf8');
conf = conf.replace(/\/tmp\/twin-nginx(?:(\.pid)|-(\w+))?/g, (_m, pid?: string, sub?: string) =>
  pid ? join(DIR, 'nginx', 'nginx.pid') : sub ? join(DIR, 'nginx', sub) : join(DIR, 'nginx'),
);
conf = conf.replace(/listen 8080;/, `listen ${nginxPort};`);
conf = conf.replace(
  /(upstream twin \{\n(?:\s*#.*\n)*)(?:\s*server .*\n)+/,
  `$1${ports.map((p) => `    server 127.0.0.1:${p} max_fails=2 fail_timeout=5s;\n`).join('')}`,
);
if (process.getuid?.() === 0) conf = `user root;\n${conf}`;
writeFileSync(join(DIR, 'nginx', 'nginx.conf'), conf);
run('nginx', 'nginx', [
  '-p',
  join(DIR, 'nginx'),
  '-c',
  join(DIR, 'nginx', 'nginx.conf'),
  '-e',
  'stderr',
  '-g',
  'daemon off;',
]);
console.log(
  `[cluster] ${instances} instances behind nginx: http://localhost:${nginxPort} (NATS ${natsUrl}, MQTT devices mqtt://127.0.0.1:${natsMqttPort})`,
);
