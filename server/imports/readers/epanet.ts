import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Position } from 'geojson';
import type { ReaderContext, SourceItem } from '../source';

/** US customary flow units (EPANET manual §3.1): lengths and heads in feet, diameters in inches. */
const US_UNITS = new Set(['CFS', 'GPM', 'MGD', 'IMGD', 'AFD']);
const FT = 0.3048;
const INCH_MM = 25.4;

interface Node {
  kind: 'junction' | 'reservoir' | 'tank';
  id: string;
  fields: string[];
}

interface Link {
  kind: 'pipe' | 'pump';
  id: string;
  from: string;
  to: string;
  fields: string[];
}

/**
 * An EPANET 2 input file (.inp): junctions, reservoirs and tanks become water nodes; pipes
 * become pipes between them (through their [VERTICES]); pumps become pump nodes midway between
 * their two nodes. Coordinates are in whatever CRS the modeller used (EPANET records none), so
 * `--srs` is required unless they are longitude/latitude. Units follow [OPTIONS] Units.
 */
export async function* readEpanet(path: string, ctx: ReaderContext): AsyncGenerator<SourceItem> {
  const nodes: Node[] = [];
  const links: Link[] = [];
  const coords = new Map<string, Position>();
  const vertices = new Map<string, Position[]>();
  let units = 'GPM';
  let section = '';
  const stream = createReadStream(path, { encoding: 'utf8' });
  stream.on('data', (chunk) => (ctx.progress.bytes += Buffer.byteLength(chunk)));
  for await (const raw of createInterface({ input: stream, crlfDelay: Infinity })) {
    const line = raw.replace(/;.*$/, '').trim();
    if (!line) continue;
    const header = /^\[([A-Z_]+)\]$/i.exec(line);
    if (header) {
      section = header[1]!.toUpperCase();
      continue;
    }
    const f = line.split(/\s+/);
    const id = f[0]!;
    switch (section) {
      case 'JUNCTIONS':
        nodes.push({ kind: 'junction', id, fields: f.slice(1) });
        break;
      case 'RESERVOIRS':
        nodes.push({ kind: 'reservoir', id, fields: f.slice(1) });
        break;
      case 'TANKS':
        nodes.push({ kind: 'tank', id, fields: f.slice(1) });
        break;
      case 'PIPES':
        links.push({ kind: 'pipe', id, from: f[1]!, to: f[2]!, fields: f.slice(3) });
        break;
      case 'PUMPS':
        links.push({ kind: 'pump', id, from: f[1]!, to: f[2]!, fields: f.slice(3) });
        break;
      case 'COORDINATES':
        coords.set(id, [Number(f[1]), Number(f[2])]);
        break;
      case 'VERTICES': {
        const list = vertices.get(id) ?? [];
        list.push([Number(f[1]), Number(f[2])]);
        vertices.set(id, list);
        break;
      }
      case 'OPTIONS':
        if (/^units$/i.test(id)) units = (f[1] ?? 'GPM').toUpperCase();
        break;
    }
  }
  const us = US_UNITS.has(units);
  const len = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v) * (us ? FT : 1));
  for (const n of nodes) {
    const at = coords.get(n.id);
    const properties: Record<string, unknown> = { name: n.id, kind: n.kind, epanet_units: units };
    if (n.kind === 'junction') {
      properties.elevation_m = len(n.fields[0]);
      properties.base_demand = n.fields[1] === undefined ? null : Number(n.fields[1]);
    } else if (n.kind === 'reservoir') {
      properties.elevation_m = len(n.fields[0]); // total head
    } else {
      const [elev, , min, max, diameter] = n.fields.map((v) => len(v));
      properties.elevation_m = elev;
      if (min != null && max != null && diameter != null) {
        properties.capacity_m3 = Math.PI * (diameter / 2) ** 2 * Math.max(0, max - min);
      }
    }
    yield {
      type: 'feature',
      geometry: at ? { type: 'Point', coordinates: at } : null,
      properties,
      id: n.id,
      nodeKey: n.id,
      group: 'water',
      problem: at ? undefined : `node ${n.id} has no [COORDINATES] entry`,
    };
  }
  for (const l of links) {
    const a = coords.get(l.from);
    const b = coords.get(l.to);
    const missing = !a || !b ? `link ${l.id} joins a node without coordinates` : undefined;
    if (l.kind === 'pump') {
      yield {
        type: 'feature',
        geometry: a && b ? { type: 'Point', coordinates: [(a[0]! + b[0]!) / 2, (a[1]! + b[1]!) / 2] } : null,
        properties: { name: l.id, kind: 'pump', from_node: l.from, to_node: l.to, parameters: l.fields.join(' ') },
        id: l.id,
        nodeKey: `pump:${l.id}`,
        group: 'water',
        problem: missing,
      };
      continue;
    }
    const [length, diameter, roughness, minorLoss, status] = l.fields;
    yield {
      type: 'feature',
      geometry: a && b ? { type: 'LineString', coordinates: [a, ...(vertices.get(l.id) ?? []), b] } : null,
      properties: {
        name: l.id,
        diameter_mm: diameter === undefined ? null : Number(diameter) * (us ? INCH_MM : 1),
        model_length_m: len(length),
        roughness: roughness === undefined ? null : Number(roughness),
        minor_loss: minorLoss === undefined ? null : Number(minorLoss),
        status: status ?? null,
      },
      id: l.id,
      endpoints: [l.from, l.to],
      group: 'water',
      problem: missing,
    };
  }
}
