/**
 * postgres.js 3.4.9 can throw from a `setImmediate` when a connection closes with a small write
 * still buffered (`nextWrite` on a null socket; porsager/postgres#1154, #1208, fix in PR #1209,
 * unreleased). Thrown from a timer, it escapes every await and would kill the process when the
 * database restarts. The query it belonged to has already been rejected with CONNECTION_CLOSED,
 * so this error alone is safe to drop; every other uncaught exception keeps Node's behaviour
 * (listeners such as a test runner's still see it; with none, print and exit 1).
 */
export function guardPostgresJsNullSocket(): void {
  if (installed || process.hasUncaughtExceptionCaptureCallback()) return;
  installed = true;
  process.setUncaughtExceptionCaptureCallback((error) => {
    if (isNullSocketWrite(error)) {
      console.warn('postgres.js: ignored a write on a closed connection (porsager/postgres#1208)');
      return;
    }
    if (process.listenerCount('uncaughtException') > 0) {
      (process.emit as (event: string, ...args: unknown[]) => boolean)(
        'uncaughtException',
        error,
        'uncaughtException',
      );
      return;
    }
    console.error(error);
    process.exit(1);
  });
}

let installed = false;

function isNullSocketWrite(error: unknown): boolean {
  const e = error as Error | undefined;
  return (
    e instanceof TypeError &&
    /null/.test(e.message) &&
    /write/.test(e.message) &&
    /nextWrite/.test(e.stack ?? '') &&
    /postgres[\\/]src[\\/]connection\.js/.test(e.stack ?? '')
  );
}
