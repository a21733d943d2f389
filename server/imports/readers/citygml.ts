import { createReadStream } from 'node:fs';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { FileError, type ReaderContext, type SourceItem } from '../source';
import {
  buildingFeatures,
  type CityBuilding,
  type CityPart,
  type Surface3,
  type Vec3,
} from './city-model';

/**
 * CityGML 2.0 (GML 3.1.1) buildings, streamed with a SAX parser (saxes): one building in memory
 * at a time. Per Building and BuildingPart: its simple attributes (gml:name, bldg:function,
 * measuredHeight, storeysAboveGround, yearOfConstruction, gen:*Attribute), and every polygon under
 * a `lodN…` property, with the semantic type of the boundary surface (bldg:RoofSurface,
 * WallSurface, GroundSurface, …) it sits in. Solids that refer to those polygons by xlink are not
 * counted twice. Elements are matched by local name, whatever prefix the file binds.
 */

const SEMANTIC = new Set([
  'RoofSurface',
  'WallSurface',
  'GroundSurface',
  'ClosureSurface',
  'FloorSurface',
  'OuterFloorSurface',
  'CeilingSurface',
  'OuterCeilingSurface',
  'InteriorWallSurface',
]);
const POLYGONS = new Set(['Polygon', 'Triangle', 'Rectangle']);
/** Leaf children of a Building kept as attributes (others, like addresses, are skipped). */
const ATTRIBUTES = new Set([
  'name',
  'description',
  'class',
  'function',
  'usage',
  'yearOfConstruction',
  'yearOfDemolition',
  'roofType',
  'measuredHeight',
  'storeysAboveGround',
  'storeysBelowGround',
  'creationDate',
]);

interface PartState {
  part: CityPart;
  /** Depth of the Building/BuildingPart element in the element stack. */
  depth: number;
}

const local = (name: string) => name.slice(name.indexOf(':') + 1);

export async function* readCityGml(path: string, ctx: ReaderContext): AsyncGenerator<SourceItem> {
  const parser = new SaxesParser({ xmlns: false, position: false });
  const out: SourceItem[] = [];
  const stack: string[] = [];
  let crsDeclared = false;
  let building: { b: CityBuilding; parts: PartState[] } | null = null;
  // Geometry being read.
  let lod: string | null = null;
  let lodDepth = -1;
  let semantic: string | null = null;
  let semanticDepth = -1;
  let rings: Vec3[][] | null = null;
  let text: string[] = [];
  let dimension = 3;
  let attrName: string | null = null;
  let genericName: string | null = null;
  let problems: string[] = [];

  const current = () => building?.parts.at(-1);
  const declareCrs = (srs: string | undefined) => {
    if (!crsDeclared && srs) {
      crsDeclared = true;
      out.push({ type: 'crs', name: srs });
    }
  };
  const positions = (raw: string): Vec3[] => {
    const n = raw.trim().split(/\s+/).filter(Boolean).map(Number);
    if (n.some((v) => !Number.isFinite(v))) throw new Error('a coordinate is not a number');
    if (dimension !== 3)
      throw new Error(`srsDimension ${dimension}: buildings need 3D coordinates`);
    if (n.length % 3 !== 0) throw new Error('a posList does not hold whole x y z triples');
    const ps: Vec3[] = [];
    for (let i = 0; i < n.length; i += 3) ps.push([n[i]!, n[i + 1]!, n[i + 2]!]);
    return ps;
  };

  parser.on('opentag', (tag: SaxesTagPlain) => {
    const name = local(tag.name);
    const depth = stack.push(name);
    const attr = (k: string) => {
      for (const [key, v] of Object.entries(tag.attributes)) if (local(key) === k) return String(v);
      return undefined;
    };
    if (name === 'Envelope' || POLYGONS.has(name) || name === 'Solid' || name === 'MultiSurface')
      declareCrs(attr('srsName'));
    if (name === 'Building' && !building) {
      const id = attr('id') ?? `building-${out.length + 1}`;
      building = { b: { id, attributes: {}, parts: [] }, parts: [] };
      building.parts.push({
        part: { id, type: 'Building', attributes: {}, geometries: [] },
        depth,
      });
      problems = [];
      return;
    }
    if (!building) return;
    if (name === 'BuildingPart') {
      building.parts.push({
        part: {
          id: attr('id') ?? `${building.b.id}-part-${building.parts.length}`,
          type: 'BuildingPart',
          attributes: {},
          geometries: [],
        },
        depth,
      });
      return;
    }
    const m =
      /^lod([0-4])(Solid|MultiSurface|Geometry|CompositeSurface|MultiCurve|FootPrint|RoofEdge|TerrainIntersection)$/.exec(
        name,
      );
    if (m && lod === null) {
      lod = m[1]!;
      lodDepth = depth;
      return;
    }
    if (SEMANTIC.has(name) && semantic === null) {
      semantic = name;
      semanticDepth = depth;
      return;
    }
    if (POLYGONS.has(name) && lod !== null) {
      rings = [];
      dimension = Number(attr('srsDimension') ?? 3);
      return;
    }
    if (name === 'LinearRing' && rings) {
      rings.push([]);
      return;
    }
    if ((name === 'posList' || name === 'pos' || name === 'coordinates') && rings) {
      const d = attr('srsDimension');
      if (d) dimension = Number(d);
      text = [];
      return;
    }
    const p = current();
    if (p && depth === p.depth + 1 && ATTRIBUTES.has(name)) {
      attrName = name;
      text = [];
    } else if (p && depth === p.depth + 1 && /Attribute$/.test(name)) {
      genericName = attr('name') ?? null;
    } else if (genericName && name === 'value') {
      attrName = `gen:${genericName}`;
      text = [];
    }
  });

  parser.on('text', (t: string) => {
    if (attrName !== null || rings) text.push(t);
  });

  parser.on('closetag', (tag: SaxesTagPlain) => {
    const name = local(tag.name);
    const depth = stack.length;
    stack.pop();
    if (!building) return;
    const p = current();
    if ((name === 'posList' || name === 'pos' || name === 'coordinates') && rings) {
      try {
        const raw = name === 'coordinates' ? text.join('').replace(/,/g, ' ') : text.join('');
        if (rings.length === 0) rings.push([]);
        // A ring is one posList, or one gml:pos per position.
        rings.at(-1)!.push(...positions(raw));
      } catch (error) {
        problems.push((error as Error).message);
      }
      text = [];
      return;
    }
    if (POLYGONS.has(name) && rings) {
      const closed = rings
        .filter((r) => r.length >= 3)
        .map((r) => {
          const [a, b] = [r[0]!, r.at(-1)!];
          return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] ? r : [...r, a];
        });
      if (closed.length && p && lod !== null) {
        const surface: Surface3 = { type: semantic, rings: closed };
        let g = p.part.geometries.find((x) => x.lod === lod);
        if (!g) p.part.geometries.push((g = { lod, surfaces: [] }));
        g.surfaces.push(surface);
      }
      rings = null;
      return;
    }
    if (depth === lodDepth) {
      lod = null;
      lodDepth = -1;
    } else if (depth === semanticDepth) {
      semantic = null;
      semanticDepth = -1;
    }
    if (
      attrName !== null &&
      (name === attrName || (attrName.startsWith('gen:') && name === 'value'))
    ) {
      const raw = text.join('').trim();
      const n = Number(raw);
      if (p)
        p.part.attributes[attrName] =
          raw !== '' && Number.isFinite(n) && /^-?[\d.]+(e-?\d+)?$/i.test(raw) ? n : raw;
      attrName = null;
      text = [];
      return;
    }
    if (/Attribute$/.test(name)) genericName = null;
    if (name === 'BuildingPart' && p && p.depth === depth) {
      building.parts.pop();
      building.b.parts.push(p.part);
      return;
    }
    if (name === 'Building' && p && p.depth === depth) {
      building.b.parts.unshift(p.part);
      building.b.attributes = { ...p.part.attributes, citygml_type: 'Building' };
      for (const f of buildingFeatures(building.b, ctx.cityModel ?? {})) {
        if (!f.geometry && problems.length)
          f.problem = `${f.problem}; ${problems.slice(0, 3).join('; ')}`;
        out.push(f);
      }
      building = null;
    }
  });

  let parseError: Error | null = null;
  parser.on('error', (e: Error) => {
    parseError ??= e;
  });
  let sawRoot = false;
  for await (const chunk of createReadStream(path, {
    encoding: 'utf8',
    highWaterMark: 1 << 20,
  }) as AsyncIterable<string>) {
    ctx.progress.bytes += Buffer.byteLength(chunk);
    parser.write(chunk);
    if (parseError)
      throw new FileError(`not well-formed XML: ${(parseError as Error).message.slice(0, 200)}`);
    if (!sawRoot && stack.length > 0) {
      sawRoot = true;
      if (stack[0] !== 'CityModel')
        throw new FileError(`not CityGML: the root element is ${stack[0]}, not CityModel`);
    }
    yield* out.splice(0);
  }
  parser.close();
  if (parseError)
    throw new FileError(`not well-formed XML: ${(parseError as Error).message.slice(0, 200)}`);
  if (building) throw new FileError('truncated CityGML file (it ends inside a building)');
  yield* out.splice(0);
}
