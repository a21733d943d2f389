import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Position } from 'geojson';
import type { ReaderContext, SourceItem } from '../source';

/** US customary flow units (EPANET manual §3.1): lengths and heads in feet, diameters in inches. */
const US_UNITS = new Set(['CFS', 'GPM', 'MGD', 'IMGD', 'AFD']);
const FT = 0.3048;
const INCH_MM = 25.4;
/** Litres per second in one unit of each EPANET flow unit (EPANET 2.2 manual, table 3.1). */
const FLOW_L_S: Record<string, number> = {
  CFS: 28.316847,
  GPM: 0.0630902,
  MGD: 43.812636,
  IMGD: 52.616782,
  AFD: 14.27641,
  LPS: 1,
  LPM: 1 / 60,
  MLD: 11.574074,
  CMH: 1 / 3.6,
  CMD: 1 / 86.4,
};
const HP_KW = 0.7457;

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
  // Hydraulic data kept in attributes, so the twin's EPANET model (impact/water-model.ts) solves
  // as the file does at time 0: demands × their pattern's first multiplier, tank levels, pump
  // curves, pipe roughness and status.
  const patterns = new Map<string, number[]>();
  const curves = new Map<string, [number, number][]>();
  const extraDemands = new Map<string, { demand: number; pattern: string | undefined }[]>();
  const status = new Map<string, string>();
  let defaultPattern = '1';
  let multiplier = 1;
  let headloss = 'H-W';
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
      case 'PATTERNS':
        patterns.set(id, [...(patterns.get(id) ?? []), ...f.slice(1).map(Number)]);
        break;
      case 'CURVES':
        curves.set(id, [...(curves.get(id) ?? []), [Number(f[1]), Number(f[2])]]);
        break;
      case 'DEMANDS':
        extraDemands.set(id, [
          ...(extraDemands.get(id) ?? []),
          { demand: Number(f[1]), pattern: f[2] },
        ]);
        break;
      case 'STATUS':
        status.set(id, (f[1] ?? '').toUpperCase());
        break;
      case 'OPTIONS': {
        const key = line.replace(/\s+/g, ' ').toUpperCase();
        if (/^units$/i.test(id)) units = (f[1] ?? 'GPM').toUpperCase();
        else if (/^headloss$/i.test(id)) headloss = (f[1] ?? 'H-W').toUpperCase();
        else if (key.startsWith('PATTERN ')) defaultPattern = f[1] ?? '1';
        else if (key.startsWith('DEMAND MULTIPLIER')) multiplier = Number(f[2] ?? 1);
        break;
      }
    }
  }
  const flow = FLOW_L_S[units] ?? 1;
  /** The first multiplier of a pattern (time 0); 1 without one. */
  const first = (pattern: string | undefined) => patterns.get(pattern ?? defaultPattern)?.[0] ?? 1;
  const us = US_UNITS.has(units);
  const len = (v: string | undefined) =>
    v === undefined || v === '' ? null : Number(v) * (us ? FT : 1);
  const demandOf = (id: string, base: string | undefined, pattern: string | undefined) => {
    const extra = extraDemands.get(id);
    // [DEMANDS] replaces the junction's own demand when present (EPANET manual §3.1).
    const parts = extra ?? (base === undefined ? [] : [{ demand: Number(base), pattern }]);
    return parts.reduce((sum, d) => sum + d.demand * first(d.pattern) * multiplier * flow, 0);
  };
  for (const n of nodes) {
    const at = coords.get(n.id);
    const properties: Record<string, unknown> = { name: n.id, kind: n.kind, epanet_units: units };
    if (n.kind === 'junction') {
      properties.elevation_m = len(n.fields[0]);
      properties.base_demand = n.fields[1] === undefined ? null : Number(n.fields[1]);
      properties.demand_l_s = demandOf(n.id, n.fields[1], n.fields[2]);
    } else if (n.kind === 'reservoir') {
      properties.elevation_m = len(n.fields[0]); // total head
    } else {
      const [elev, init, min, max, diameter] = n.fields.map((v) => len(v));
      properties.elevation_m = elev;
      Object.assign(properties, {
        init_level_m: init,
        min_level_m: min,
        max_level_m: max,
        diameter_m: diameter,
      });
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
  /** A pump's head curve in l/s and m, or its constant power in kW. */
  function pumpCurve(fields: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const key = fields[i]!.toUpperCase();
      const value = fields[i + 1]!;
      if (key === 'HEAD' && curves.has(value))
        out.head_curve = curves.get(value)!.map(([q, h]) => [q * flow, h * (us ? FT : 1)]);
      else if (key === 'POWER') out.power_kw = Number(value) * (us ? HP_KW : 1);
    }
    return out;
  }
  for (const l of links) {
    const a = coords.get(l.from);
    const b = coords.get(l.to);
    const missing = !a || !b ? `link ${l.id} joins a node without coordinates` : undefined;
    if (l.kind === 'pump') {
      yield {
        type: 'feature',
        geometry:
          a && b
            ? { type: 'Point', coordinates: [(a[0]! + b[0]!) / 2, (a[1]! + b[1]!) / 2] }
            : null,
        properties: {
          name: l.id,
          kind: 'pump',
          from_node: l.from,
          to_node: l.to,
          parameters: l.fields.join(' '),
          status: status.get(l.id) ?? null,
          ...pumpCurve(l.fields),
        },
        id: l.id,
        nodeKey: `pump:${l.id}`,
        group: 'water',
        problem: missing,
      };
      continue;
    }
    const [length, diameter, roughness, minorLoss, ownStatus] = l.fields;
    // Darcy–Weisbach roughness is a length (millifeet in US units, mm in SI); H-W C and Manning n are ratios.
    const rough =
      roughness === undefined ? null : Number(roughness) * (headloss === 'D-W' && us ? FT : 1);
    yield {
      type: 'feature',
      geometry:
        a && b ? { type: 'LineString', coordinates: [a, ...(vertices.get(l.id) ?? []), b] } : null,
      properties: {
        name: l.id,
        diameter_mm: diameter === undefined ? null : Number(diameter) * (us ? INCH_MM : 1),
        model_length_m: len(length),
        roughness: rough,
        minor_loss: minorLoss === undefined ? null : Number(minorLoss),
        status: status.get(l.id) ?? ownStatus ?? null,
        headloss_formula: headloss,
      },
      id: l.id,
      endpoints: [l.from, l.to],
      // A pipe joins the network at its two nodes only: its vertices are its own, so a vertex
      // that happens to lie on another pipe never splits either (EPANET has no such junctions).
      vertexKeys: [
        l.from,
        ...(vertices.get(l.id) ?? []).map((_, i) => `vertex:${l.id}:${i}`),
        l.to,
      ],
      group: 'water',
      problem: missing,
    };
  }
}
