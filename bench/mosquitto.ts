import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killOnExit, waitForPort } from '../test/support/cluster';

export const hasMosquitto = (): boolean => !spawnSync('mosquitto', ['-h']).error;

/**
 * A private Mosquitto for a benchmark, so that its messages reach no other client of the
 * machine's broker and no offline session of one. `maxQueued`: QoS 1 messages Mosquitto keeps
 * per session beyond those in flight (its default, 1,000, drops the rest); 0: no cap.
 */
export async function startMosquitto(
  port: number,
  { maxQueued = 1000 }: { maxQueued?: number } = {},
): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'twin-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages ${maxQueued}\n`,
  );
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  killOnExit(child);
  await waitForPort(port, () => (child.exitCode !== null ? 'mosquitto exited' : undefined));
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
