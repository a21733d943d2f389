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

export function formatValue(value: unknown, unit?: string, key = ''): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
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
    rows.push({ key, label: def.description, value: formatValue(properties[key], def.unit, key) });
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
