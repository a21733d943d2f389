import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id (RFC 9106) with @node-rs/argon2's defaults: 19 MiB memory, 2 passes, 1 lane — the
 * OWASP password-storage minimum. The PHC string carries its parameters, so raising them later
 * keeps old hashes verifiable.
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** Verified against this when the user does not exist, so both failures take the same time. */
let dummy: Promise<string> | undefined;

/** True when `password` matches `phc`; with no hash, spends the same work and answers false. */
export async function verifyPassword(phc: string | null, password: string): Promise<boolean> {
  if (!phc) {
    dummy ??= hash(randomBytes(16).toString('hex'));
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  return verify(phc, password).catch(() => false);
}

/** A generated password: 18 random bytes as 24 base64url characters (144 bits). */
export const generatePassword = (): string => randomBytes(18).toString('base64url');

/** Passwords people choose: 12–1024 characters (argon2 hashes any length; the cap bounds work). */
export function checkPasswordRule(password: string): string | null {
  if (password.length < 12) return 'a password needs at least 12 characters';
  if (password.length > 1024) return 'a password has at most 1024 characters';
  return null;
}
