/** Accounts tracked at most; past it the table starts over (an attacker cannot grow memory). */
const MAX_ACCOUNTS = 50_000;
const MAX_WAIT_S = 900;

/**
 * Slows repeated failed sign-ins down per account name (issue #10 item 3): after `freeFailures`
 * failures in a row, each further try must wait 1 s, 2 s, 4 s … up to 15 minutes after the last
 * failure (429 + Retry-After), whichever address it comes from. A success clears the account.
 */
export class SignInThrottle {
  readonly #failures = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly freeFailures: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds this account must still wait before a try is checked, or 0. */
  waitS(account: string): number {
    const f = this.#failures.get(account.toLowerCase());
    if (!f) return 0;
    const left = f.until - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  failed(account: string): void {
    const key = account.toLowerCase();
    if (this.#failures.size >= MAX_ACCOUNTS && !this.#failures.has(key)) this.#failures.clear();
    const count = (this.#failures.get(key)?.count ?? 0) + 1;
    const over = count - this.freeFailures;
    const waitS = over > 0 ? Math.min(MAX_WAIT_S, 2 ** (over - 1)) : 0;
    this.#failures.set(key, { count, until: this.now() + waitS * 1000 });
  }

  succeeded(account: string): void {
    this.#failures.delete(account.toLowerCase());
  }
}
