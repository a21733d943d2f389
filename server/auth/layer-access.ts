import type { Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import type { LayerAccess, LayerCatalog, LayerDefinition } from '../../tiles/catalog';
import { inTransaction, recordAudit } from './audit';
import { denied } from './guard';
import { isStaff, type Actor, type Principal } from './principal';

/**
 * Layer access (issue #9): each layer definition carries `access` (public | staff). Staff
 * layers are for planners and up. The check is a synchronous lookup on the in-memory
 * catalogue — no database round trip on the tile path.
 */
export function canSeeLayer(p: Principal, layer: Pick<LayerDefinition, 'access'>): boolean {
  return layer.access === 'public' || isStaff(p);
}

/** Throws 401 (anonymous) or 403 when any layer is staff and the caller is not. */
export function assertLayersVisible(p: Principal, layers: readonly LayerDefinition[]): void {
  const hidden = layers.filter((l) => !canSeeLayer(p, l));
  if (hidden.length > 0) throw denied(p, `staff layer: ${hidden.map((l) => l.name).join(', ')}`);
}

/** The layers of the catalogue the caller may see. */
export function visibleLayers(p: Principal, catalog: LayerCatalog): LayerDefinition[] {
  return catalog.layers.filter((l) => canSeeLayer(p, l));
}

/** Another instance's change reaches this one within this long (read lazily, off the hot path). */
const REFRESH_MS = 5000;

/**
 * Access chosen by GIS staff, persisted in `layer_settings` and applied to the catalogue.
 * A layer without a row keeps its definition's default (custom layers: staff).
 */
export class LayerSettings {
  readonly #db: Kysely<Database>;
  readonly #catalog: LayerCatalog;
  #loadedAt = 0;
  #loading: Promise<void> | undefined;

  constructor(db: Kysely<Database>, catalog: LayerCatalog) {
    this.#db = db;
    this.#catalog = catalog;
  }

  /** Reads the settings and applies them (at start, and before answering a settings request). */
  load(): Promise<void> {
    this.#loading ??= this.#db
      .selectFrom('layer_settings')
      .select(['layer', 'access'])
      .execute()
      .then((rows) => {
        for (const r of rows)
          if (this.#catalog.get(r.layer)) this.#catalog.setAccess(r.layer, r.access);
        this.#loadedAt = Date.now();
      })
      .finally(() => {
        this.#loading = undefined;
      });
    return this.#loading;
  }

  /** Starts a reload in the background when the last one is older than a few seconds. */
  refreshSoon(onError: (error: unknown) => void): void {
    if (Date.now() - this.#loadedAt < REFRESH_MS || this.#loading) return;
    this.#loadedAt = Date.now();
    this.load().catch(onError);
  }

  /** Sets a layer's access, with its audit row, and applies it here at once. */
  async set(name: string, access: LayerAccess, actor: Actor): Promise<LayerDefinition> {
    const layer = this.#catalog.get(name);
    if (!layer)
      throw new ApiError(
        404,
        'not_found',
        /^[a-z0-9_]{1,64}$/.test(name) ? `unknown layer: ${name}` : 'unknown layer',
      );
    await inTransaction(this.#db, async (trx) => {
      await trx
        .insertInto('layer_settings')
        .values({ layer: name, access, updated_at: new Date(), updated_by: actor.name })
        .onConflict((oc) =>
          oc
            .column('layer')
            .doUpdateSet({ access, updated_at: new Date(), updated_by: actor.name }),
        )
        .execute();
      await recordAudit(trx, {
        actor,
        action: 'layer.set_access',
        targetType: 'layer',
        targetId: name,
        details: { from: layer.access, to: access },
      });
    });
    this.#catalog.setAccess(name, access);
    return this.#catalog.get(name)!;
  }
}
