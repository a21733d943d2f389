import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killOnExit } from './cluster';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Instance {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** kill -9: no shutdown, no flush, as a crash. */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

/** A twin as `npm start` runs it (tsx server/main.ts), in its own process, on `port`. */
export function startInstance(port: number, env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      TWIN_DEMO: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  let output = '';
  const halt = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.removeAllListeners('exit');
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      if (/listening on http/.test(output)) {
        child.stdout!.off('data', onData);
        child.stdout!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
        resolve({
          url: `http://127.0.0.1:${port}`,
          port,
          child,
          output: () => output,
          crash: () => halt('SIGKILL'),
          stop: () => halt('SIGTERM'),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
    child.once('exit', (code) =>
      reject(new Error(`instance on ${port} exited with ${code}:\n${output}`)),
    );
  });
}
