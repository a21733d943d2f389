import type { CatalogLayer } from '../../../common/api-types';

export interface AttributeRow {
  key: string;
  label: string;
  value: string;
}

const HIDDEN = new Set(['id', 'dataset_id', 'attributes', 'name']);

/** `height_m` → `Height m`-free words for columns the catalogue does not describe. */
function humanise(key: string): string {
  const words = key.replace(/_(m|mm|kv|kva|kmh|l_s|m3|veh_h)$/i, '').replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Units implied by our column-name suffixes, for columns outside the tile catalogue. */
const SUFFIX_UNITS: [RegExp, string][] = [
  [/_mm$/, 'mm'],
  [/_kva$/, 'kVA'],
  [/_kv$/, 'kV'],
  [/_kmh$/, 'km/h'],
  [/_l_s$/, 'l/s'],
  [/_m3$/, 'm³'],
  [/_veh_h$/, 'veh/h'],
  [/_m$/, 'm'],
];

/** Years and ids read wrong with thousands separators (2,022); `from_node` is an id. */
const PLAIN_NUMBER = /(^|_)(year|id|node)(_|$)/;

/** A calendar date (`2024-05-01`), shown as that day wherever the reader is. */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A date and time with an offset or `Z` (PostgreSQL timestamptz, JSON), shown in local time. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/;
const NUMERIC = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** Column types (the catalogue's `type`, custom-layer columns) in a reader's words. */
const TYPE_WORDS: Record<string, string> = {
  int: 'number',
  integer: 'number',
  float: 'number',
  number: 'number',
  string: 'text',
  text: 'text',
  boolean: 'yes/no',
  date: 'date',
  timestamp: 'date & time',
  timestamptz: 'date & time',
};

/** `float` → `number`, `timestamptz` → `date & time`: a column's type as the card shows it. */
export function typeLabel(type: string): string {
  return TYPE_WORDS[type] ?? type;
}

/** An ISO date or date-time in the reader's locale; null when `text` is neither. */
export function formatDate(text: string): string | null {
  const day = ISO_DATE.exec(text);
  if (day) {
    const d = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
  }
  if (!ISO_INSTANT.test(text)) return null;
  // PostgreSQL writes `+02` and `+0530`; Date wants `+02:00`.
  const t = new Date(
    text
      .replace(' ', 'T')
      .replace(/([+-]\d{2})(\d{2})?$/, (_m, h: string, m?: string) => `${h}:${m ?? '00'}`),
  );
  if (Number.isNaN(t.getTime())) return null;
  return t.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/**
 * A value as the inspector and hover card show it. `type`, when the catalogue gives one, lets a
 * number or date that arrived as text (PostgreSQL numeric, date and timestamptz in JSON and
 * vector tiles) be shown as what it is.
 */
export function formatValue(value: unknown, unit?: string, key = '', type?: string): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') {
    if ((type === 'int' || type === 'float') && NUMERIC.test(value.trim()))
      return formatValue(Number(value), unit, key);
    const date = formatDate(value.trim());
    if (date) return date;
  }
  if (typeof value === 'number') {
    const text = PLAIN_NUMBER.test(key)
      ? String(value)
      : Number.isInteger(value)
        ? value.toLocaleString('en')
        : value.toLocaleString('en', { maximumFractionDigits: 2 });
    return unit ? `${text} ${unit}` : text;
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return unit ? `${String(value)} ${unit}` : String(value);
}

/**
 * A feature's attributes as rows for the inspect panel: the catalogue's attributes first, with
 * their descriptions and units, then the other columns, then the free-form `attributes`.
 */
export function attributeRows(
  properties: Record<string, unknown>,
  layer?: CatalogLayer,
): AttributeRow[] {
  const rows: AttributeRow[] = [];
  const done = new Set<string>(HIDDEN);
  for (const [key, def] of Object.entries(layer?.attributes ?? {})) {
    if (key === 'name' || !(key in properties)) continue;
    rows.push({
      key,
      label: def.description,
      value: formatValue(properties[key], def.unit, key, def.type),
    });
    done.add(key);
  }
  for (const [key, value] of Object.entries(properties)) {
    if (done.has(key)) continue;
    const unit = SUFFIX_UNITS.find(([re]) => re.test(key))?.[1];
    rows.push({ key, label: humanise(key), value: formatValue(value, unit, key) });
  }
  const extra = properties.attributes;
  if (extra && typeof extra === 'object') {
    for (const [key, value] of Object.entries(extra as Record<string, unknown>)) {
      rows.push({
        key: `attributes.${key}`,
        label: humanise(key),
        value: formatValue(value, undefined, key),
      });
    }
  }
  return rows;
}
