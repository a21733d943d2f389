import type { StreetGrid } from './grid';
import type { Rng } from './prng';

/** Names for the grid lines, constant along a line (and across the river). */
export interface StreetNames {
  /** North–south column `a`: "King Boulevard" or "12th Avenue". */
  col(a: number): string;
  /** East–west row `b`: "Harbour Road", "Elm Street", "Heron Lane". */
  row(b: number): string;
}

const GRAND = [
  'King',
  'Queen',
  'Station',
  'Market',
  'Harbour',
  'Castle',
  'Victoria',
  'University',
  'Canal',
  'Mill',
  'Cathedral',
  'Abbey',
  'Prince',
  'Regent',
  'Crown',
  'Union',
  'Liberty',
  'Beacon',
  'Bishop',
  'Manor',
  'Exchange',
  'Guild',
  'Chancery',
  'Admiral',
];

const LOCAL = [
  'Elm',
  'Oak',
  'Maple',
  'Birch',
  'Cedar',
  'Willow',
  'Ash',
  'Beech',
  'Chestnut',
  'Linden',
  'Poplar',
  'Hazel',
  'Alder',
  'Holly',
  'Rowan',
  'Walnut',
  'Cherry',
  'Juniper',
  'Laurel',
  'Magnolia',
  'Spruce',
  'Pine',
  'Sycamore',
  'Hawthorn',
  'Larch',
  'Aspen',
  'Elder',
  'Myrtle',
  'Heron',
  'Swan',
  'Kingfisher',
  'Lark',
  'Wren',
  'Robin',
  'Finch',
  'Sparrow',
  'Plover',
  'Falcon',
  'Curlew',
  'Baker',
  'Carter',
  'Fletcher',
  'Mason',
  'Cooper',
  'Thatcher',
  'Turner',
  'Weaver',
  'Potter',
  'Chandler',
  'Tanner',
  'Miller',
  'Glover',
  'Draper',
  'Brewer',
  'Dyer',
  'Rose',
  'Tulip',
  'Lily',
  'Iris',
  'Violet',
  'Daisy',
  'Primrose',
  'Clover',
  'Heather',
  'Bramble',
  'Fern',
  'Meadow',
  'Orchard',
  'Spring',
  'Brook',
  'Hill',
  'Ridge',
  'Vale',
  'Garden',
  'Chapel',
  'School',
  'Church',
  'Well',
  'Bridge',
  'Ferry',
];

export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

export function createStreetNames(rng: Rng, grid: StreetGrid): StreetNames {
  const grand = rng.shuffle(GRAND);
  const local = rng.shuffle(LOCAL);
  const suffix = ['Street', 'Street', 'Street', 'Lane', 'Way'];

  const cols = grid.cols.map((line, a) =>
    line.class === 'arterial' ? `${grand.pop()} Boulevard` : `${ordinal(a + 1)} Avenue`,
  );
  const rows = grid.rows.map((line) => {
    if (line.class === 'arterial') return `${grand.pop()} Road`;
    const base = local.pop() ?? 'New';
    return line.class === 'collector' ? `${base} Street` : `${base} ${rng.pick(suffix)}`;
  });

  return {
    col: (a) => cols[a] ?? 'Avenue',
    row: (b) => rows[b] ?? 'Street',
  };
}
