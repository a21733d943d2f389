import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** SHA-256 hex: what the database keeps of session ids and API tokens. */
export const sha256Hex = (value: string): string =>
  createHash('sha256').update(value).digest('hex');

/** A random secret: `prefix` + 32 random bytes (256 bits), base64url. */
export const randomSecret = (prefix = ''): string =>
  `${prefix}${randomBytes(32).toString('base64url')}`;

/** Constant-time equality of two strings (false for different lengths). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** API tokens start with this, so the guard tells them from ingest keys without a lookup. */
export const TOKEN_PREFIX = 'twt_';
