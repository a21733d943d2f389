import { ApiError } from '../errors';

export type OgcFormat = 'json' | 'html';

export interface OgcLink {
  href: string;
  rel: string;
  type?: string;
  title?: string;
  templated?: boolean;
}

/**
 * The encoding asked for: `f=json|html`, else the `Accept` header (the better of JSON or
 * GeoJSON and HTML by q value; JSON on a tie or when neither is named). `f` of anything else
 * is 400.
 */
export function negotiate(f: string | undefined, accept: string | undefined): OgcFormat {
  if (f !== undefined) {
    if (f === 'json' || f === 'html') return f;
    throw new ApiError(400, 'bad_request', 'f must be json or html');
  }
  let json = -1;
  let html = -1;
  for (const part of (accept ?? '').split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qp ? Number(qp.slice(2)) : 1;
    if (!Number.isFinite(q)) continue;
    if (type === 'text/html') html = Math.max(html, q);
    else if (
      type === 'application/json' ||
      type === 'application/geo+json' ||
      type.endsWith('+json')
    )
      json = Math.max(json, q);
  }
  return html > 0 && html > json ? 'html' : 'json';
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An HTML value of a property (objects as JSON). */
export const htmlValue = (v: unknown): string =>
  v === null || v === undefined
    ? ''
    : escape(typeof v === 'object' ? JSON.stringify(v) : String(v));

/** A list of links as HTML. */
export function htmlLinks(links: OgcLink[]): string {
  return `<ul>${links
    .filter((l) => !l.templated)
    .map(
      (l) =>
        `<li><a href="${escape(l.href)}">${escape(l.title ?? l.rel)}</a> <small>(${escape(l.rel)}${l.type ? `, ${escape(l.type)}` : ''})</small></li>`,
    )
    .join('')}</ul>`;
}

/** A table with a header row; cells are HTML already. */
export function htmlTable(head: string[], rows: string[][]): string {
  return `<div class="scroll"><table><thead><tr>${head.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

/** A whole HTML page (no scripts, no other origin); `body` is HTML already. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · City twin OGC API</title>
<style>body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;color:#1d2733}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccd3db;padding:.2rem .45rem;text-align:left;vertical-align:top}
th{background:#eef2f6}a{color:#0b5cad}code{background:#f2f4f7;padding:0 .2rem}nav{margin-bottom:1rem}.scroll{overflow-x:auto;max-width:100%}</style></head>
<body><nav><a href="/ogc?f=html">OGC API</a> · <a href="/ogc/collections?f=html">Collections</a></nav>
<h1>${escape(title)}</h1>${body}</body></html>`;
}

export { escape as htmlEscape };
