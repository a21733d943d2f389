import type { MiddlewareHandler } from 'hono';

/**
 * `Content-Security-Policy: frame-ancestors` for every response (issue #9 item 5): pages under
 * `/embed/` may be framed by `embedOrigins` (`TWIN_EMBED_ORIGINS`, default any site); everything
 * else only by the twin itself. Merged into a CSP another middleware set, replacing its
 * frame-ancestors; `X-Frame-Options` says the same to browsers without CSP level 2.
 */
export function frameAncestors({
  embedOrigins,
}: {
  embedOrigins: readonly string[];
}): MiddlewareHandler {
  const embed = `frame-ancestors ${embedOrigins.join(' ')}`;
  return async function frameAncestorsPolicy(c, next) {
    await next();
    const embeddable = c.req.path.startsWith('/embed/');
    const directive = embeddable ? embed : OWN_FRAME_ANCESTORS;
    const csp = c.res.headers.get('Content-Security-Policy');
    const others = (csp ?? '')
      .split(';')
      .map((d) => d.trim())
      .filter((d) => d !== '' && !/^frame-ancestors\b/i.test(d));
    c.res.headers.set('Content-Security-Policy', [...others, directive].join('; '));
    if (embeddable) c.res.headers.delete('X-Frame-Options');
    else c.res.headers.set('X-Frame-Options', OWN_FRAME_OPTIONS);
  };
}

/** What every page but `/embed/` says about who may frame it (CSP and the older header). */
export const OWN_FRAME_ANCESTORS = "frame-ancestors 'self'";
export const OWN_FRAME_OPTIONS = 'SAMEORIGIN';
