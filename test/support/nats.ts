import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killOnExit, waitForPort } from './cluster';

/** nats-server (2.9+, with JetStream and its MQTT listener); `NATS_SERVER` points elsewhere. */
export const NATS_SERVER = process.env.NATS_SERVER ?? 'nats-server';
export const HAS_NATS = spawnSync(NATS_SERVER, ['--version']).status === 0;

export interface NatsServer {
  url: string;
  mqttUrl: string;
  /** Stops it (SIGKILL for a crash) and starts it again on the same store. */
  restart(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

/** Our own nats-server: JetStream in a scratch store, MQTT listener on `mqttPort`. */
export async function startNats(port: number, mqttPort: number): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'twin-nats-'));
  const conf = join(dir, 'nats.conf');
  // MQTT needs JetStream, and JetStream with MQTT needs a server_name.
  writeFileSync(
    conf,
    [
      `server_name: twin_test_${port}`,
      `listen: 127.0.0.1:${port}`,
      `jetstream { store_dir: "${join(dir, 'js')}" }`,
      `mqtt { listen: 127.0.0.1:${mqttPort} }`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess;
  let log = '';
  const launch = async () => {
    child = spawn(NATS_SERVER, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    killOnExit(child);
    const c = child;
    await waitForPort(port, () =>
      c.exitCode !== null ? `nats-server exited:\n${log}` : undefined,
    );
    await waitForPort(mqttPort, () =>
      c.exitCode !== null ? `nats-server exited:\n${log}` : undefined,
    );
  };
  const halt = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };
  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    restart: async (signal = 'SIGTERM') => {
      await halt(signal);
      await launch();
    },
    stop: async () => {
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
