import type { Context } from 'hono';
import { isIP } from 'node:net';
import type { Principal } from '../auth/principal';

/**
 * Who a request comes from and where it was addressed, believing `X-Forwarded-*` headers only
 * from `TWIN_TRUSTED_PROXIES` (issue #10 item 8): an untrusted client cannot pick its own
 * rate-limit bucket, nor put its Host into the twin's absolute URLs.
 */
export class ClientIdentity {
  readonly #proxies: ((ip: string) => boolean)[];
  readonly #publicOrigin: string | undefined;

  constructor(trustedProxies: readonly string[], publicUrl: string | undefined) {
    this.#proxies = trustedProxies.map(matcher);
    this.#publicOrigin = publicUrl ? new URL(publicUrl).origin : undefined;
  }

  /** The peer's address (`local` for in-process requests without a socket). */
  peer(c: Context): string {
    const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
    return normalize(env?.incoming?.socket?.remoteAddress ?? 'local');
  }

  #trusted(ip: string): boolean {
    return this.#proxies.some((m) => m(ip));
  }

  /** The client's address: the right-most X-Forwarded-For hop not a trusted proxy. */
  ip(c: Context): string {
    let ip = this.peer(c);
    if (!this.#trusted(ip)) return ip;
    const hops = (c.req.header('X-Forwarded-For') ?? '').split(',').map((h) => normalize(h.trim()));
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(hop) === 0) break;
      ip = hop;
      if (!this.#trusted(hop)) break;
    }
    return ip;
  }

  /** The rate-limit and connection-cap key: the account when signed in, else the address. */
  key(c: Context): string {
    const p = c.get('principal') as Principal | undefined;
    if (p?.kind === 'user') return `user:${p.user.id}`;
    return `ip:${this.ip(c)}`;
  }

  /** Whether the request reached the twin over https (directly or through a trusted proxy). */
  https(c: Context): boolean {
    return this.httpsOf(
      this.peer(c),
      c.req.header('X-Forwarded-Proto'),
      new URL(c.req.url).protocol === 'https:',
    );
  }

  /**
   * `https(c)` from its parts: the peer's address, its `X-Forwarded-Proto` and whether the
   * connection itself is TLS (`TWIN_PUBLIC_URL` decides when set).
   */
  httpsOf(peer: string, forwardedProto: string | undefined, tls: boolean): boolean {
    if (this.#publicOrigin) return this.#publicOrigin.startsWith('https:');
    if (this.#trusted(normalize(peer))) {
      const proto = forwardedProto?.split(',')[0]?.trim().toLowerCase();
      if (proto) return proto === 'https';
    }
    return tls;
  }

  /**
   * The origin for absolute URLs (TileJSON, the style): `TWIN_PUBLIC_URL`, else the
   * `X-Forwarded-Proto`/`-Host` of a trusted proxy, else '' — root-relative URLs, which a browser
   * resolves against the page; the request's own Host is never copied.
   */
  origin(c: Context): string {
    if (this.#publicOrigin) return this.#publicOrigin;
    if (this.#trusted(this.peer(c))) {
      const host = c.req.header('X-Forwarded-Host')?.split(',')[0]?.trim();
      if (host && /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$/i.test(host)) {
        return `${this.https(c) ? 'https' : 'http'}://${host.toLowerCase()}`;
      }
    }
    return '';
  }
}

function normalize(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip.toLowerCase();
}

function matcher(spec: string): (ip: string) => boolean {
  const [base, bits] = spec.split('/');
  if (bits === undefined || isIP(base!) !== 4) {
    const exact = normalize(base!);
    return (ip) => ip === exact;
  }
  const n = Number(bits);
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  const net = v4(base!) & mask;
  return (ip) => isIP(ip) === 4 && (v4(ip) & mask) >>> 0 === net >>> 0;
}

function v4(ip: string): number {
  return ip.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}
