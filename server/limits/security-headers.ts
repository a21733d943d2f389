import type { MiddlewareHandler } from 'hono';
import type { ClientIdentity } from './client-identity';

/**
 * The page policy (issue #10 item 8): scripts only from the twin's own files (no inline script;
 * WebAssembly compiled from them), workers from its files or blob: URLs (map and tile workers),
 * data only from the twin itself. Styles may be inline: Svelte, MapLibre and the API reference
 * set style attributes. frame-ancestors is added by ../dashboard/frame-ancestors.ts.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "child-src 'self' blob:",
  "connect-src 'self' blob: data:",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/**
 * Security headers on every response: the CSP above, `X-Content-Type-Options: nosniff`,
 * `Referrer-Policy`, and HSTS when the twin is reached over https (`TWIN_PUBLIC_URL` https, or
 * `X-Forwarded-Proto: https` from a trusted proxy).
 */
export function securityHeaders(identity: ClientIdentity): MiddlewareHandler {
  return async function setSecurityHeaders(c, next) {
    await next();
    const h = c.res.headers;
    if (!h.has('Content-Security-Policy'))
      h.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) h.set(name, value);
    if (identity.https(c)) h.set('Strict-Transport-Security', HSTS);
  };
}

/** The headers every response gets besides the CSP (and HSTS over https). */
export const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
} as const;

export const HSTS = 'max-age=31536000; includeSubDomains';
