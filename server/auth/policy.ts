/**
 * Who may call each route (issue #9): ONE entry per route the app registers, keyed
 * `METHOD /path` exactly as Hono registers it (path parameters as `:name`, as in `app.routes`).
 * The guard (./guard.ts) looks the matched route up here before any handler runs; a route with
 * no entry is refused, and `test/auth/policy-coverage.test.ts` fails for it.
 *
 * `access` is the least a caller must be:
 *   public     anyone, signed in or not (an ingest key is refused: ingest keys ingest, nothing else)
 *   signed-in  any account (a session or an API token), whatever its role
 *   planner · gis · admin   an account with at least that role (roles.ts)
 *   ingest     an ingest key (`npm run keys`, TWIN_INGEST_KEYS)
 * Anonymous callers below the bar get 401, signed-in callers below it (and ingest keys outside
 * ingest) 403. `scope` says what the route itself filters or checks per resource (layer access,
 * sensor kinds, scenario ownership and sharing), with helpers from this folder.
 *
 * To add a route: register it in its sub-app, then add one line here, e.g.
 *   'GET /api/dashboard': { access: 'public', summary: 'Public KPIs and published scenarios' },
 * and give it a sample request in test/auth/route-samples.ts (the authorization matrix).
 */

export type Access = 'public' | 'signed-in' | 'planner' | 'gis' | 'admin' | 'ingest';

export interface RoutePolicy {
  access: Access;
  /** One line for the API reference. */
  summary: string;
  /** What the handler restricts per resource, beyond `access`. */
  scope?: string;
  /** `Authorization: Bearer <TWIN_METRICS_TOKEN>` also opens this route. */
  metricsToken?: boolean;
  /** Not an API operation (the web app's files): left out of the OpenAPI document. */
  internal?: boolean;
  /**
   * A catch-all that answers only what no other route did (the web app's files): its entry
   * counts only when no other route matched the request.
   */
  fallback?: boolean;
}

const STAFF_LAYERS = 'staff layers: 401 anonymous, 403 below planner';
const SCENARIO_READ = 'published, own, shared or (admin) any scenario; others 404';
const SCENARIO_EDIT =
  'own or shared-for-edit scenario, or any for admin; 404 when not visible, 403 when read-only';
const SENSOR_KINDS = 'below planner: traffic sensors (and camera sites) only';
const CAMERA_FRAMES =
  'staff-only frames unless the camera is public: 401 anonymous, 403 below planner';

export const POLICY: Readonly<Record<string, RoutePolicy>> = {
  // Health and metrics
  'GET /healthz': { access: 'public', summary: 'Database reachable and migrations current' },
  'GET /metrics': { access: 'admin', metricsToken: true, summary: 'Prometheus metrics' },

  // Tiles, style, features, labels: the public map shows only public layers.
  'GET /tiles/catalog.json': {
    access: 'public',
    summary: 'Tile layers with attributes and zooms',
    scope: 'lists only layers the caller may see',
  },
  'GET /tiles/:file': {
    access: 'public',
    summary: 'TileJSON of one or more layers',
    scope: STAFF_LAYERS,
  },
  'GET /tiles/:layers/:z/:x/:y': {
    access: 'public',
    summary: 'A vector tile (MVT) of one or more layers',
    scope: `${STAFF_LAYERS}; ?scenario=: ${SCENARIO_READ}`,
  },
  'GET /styles/:file': {
    access: 'public',
    summary: 'The basemap style',
    scope: 'sources only from layers the caller may see',
  },
  'GET /api/features/:layer/:id': {
    access: 'public',
    summary: 'One feature with its attributes and provenance',
    scope: STAFF_LAYERS,
  },
  'GET /api/labels': {
    access: 'public',
    summary: 'Street and place labels in a bounding box',
    scope: 'from layers the caller may see',
  },
  'GET /api/layers': { access: 'gis', summary: 'Every layer with its access (public or staff)' },
  'PATCH /api/layers/:name': { access: 'gis', summary: 'Set a layer public or staff' },
  'GET /api/layers/:name/export': {
    access: 'public',
    summary: 'A layer as GeoPackage, FlatGeobuf, GeoJSON or CSV',
    scope: STAFF_LAYERS,
  },
  'GET /api/buildings/surfaces': {
    access: 'public',
    summary: 'LoD2 surfaces of buildings in a bounding box (the 3D map)',
    scope: `as the buildings layer; ?scenario=: ${SCENARIO_READ}`,
  },

  // OGC API – Features and Tiles (issue #15): the layers the caller may see, for GIS clients.
  'GET /ogc': { access: 'public', summary: 'OGC API landing page' },
  'GET /ogc/conformance': { access: 'public', summary: 'OGC API conformance classes' },
  'GET /ogc/collections': {
    access: 'public',
    summary: 'OGC API collections: every layer the caller may see, with extent and CRSs',
    scope: 'lists only layers the caller may see',
  },
  'GET /ogc/collections/:collectionId': {
    access: 'public',
    summary: 'An OGC API collection (a layer)',
    scope: STAFF_LAYERS,
  },
  'GET /ogc/collections/:collectionId/items': {
    access: 'public',
    summary:
      "A collection's features (bbox, bbox-crs, crs, datetime, limit/offset, property filters)",
    scope: STAFF_LAYERS,
  },
  'GET /ogc/collections/:collectionId/items/:featureId': {
    access: 'public',
    summary: 'One feature of a collection',
    scope: STAFF_LAYERS,
  },
  'GET /ogc/collections/:collectionId/tiles': {
    access: 'public',
    summary: "A collection's vector tilesets",
    scope: STAFF_LAYERS,
  },
  'GET /ogc/collections/:collectionId/tiles/:tileMatrixSetId': {
    access: 'public',
    summary: 'Vector tileset metadata (WebMercatorQuad)',
    scope: STAFF_LAYERS,
  },
  'GET /ogc/collections/:collectionId/tiles/:tileMatrixSetId/:tileMatrix/:tileRow/:tileCol': {
    access: 'public',
    summary: 'A vector tile (MVT), row before column',
    scope: STAFF_LAYERS,
  },
  'GET /ogc/tileMatrixSets': { access: 'public', summary: 'Tile matrix sets' },
  'GET /ogc/tileMatrixSets/:tileMatrixSetId': {
    access: 'public',
    summary: 'The WebMercatorQuad tile matrix set',
  },

  // Live sensors
  'POST /api/ingest/readings': {
    access: 'ingest',
    summary: 'Ingest sensor readings (JSON array or NDJSON)',
  },
  'GET /api/sensors': {
    access: 'public',
    summary: 'Sensors with their current value',
    scope: SENSOR_KINDS,
  },
  'POST /api/sensors': { access: 'gis', summary: 'Register sensors' },
  'GET /api/sensors/:id/readings': {
    access: 'public',
    summary: "A sensor's history in buckets",
    scope: `${SENSOR_KINDS}; utility sensors 401 anonymous, 403 below planner`,
  },
  'GET /api/live': {
    access: 'public',
    summary: 'Live readings (server-sent events)',
    scope: SENSOR_KINDS,
  },
  'GET /api/h3': { access: 'public', summary: 'H3 roll-ups of sensor values', scope: SENSOR_KINDS },
  'GET /api/alerts': { access: 'planner', summary: 'Open anomaly alerts' },
  'GET /api/maintenance': {
    access: 'planner',
    summary: 'Maintenance risk of water and power assets',
  },

  // Traffic cameras (issue #17): sites and counts for everyone, frames for staff unless public.
  'GET /api/cameras': {
    access: 'public',
    summary: 'Camera sites with their view, latest frame time and counts sensors',
  },
  'PATCH /api/cameras/:id': {
    access: 'admin',
    summary: "Make a camera's frames public or staff-only (audited)",
  },
  'POST /api/cameras/:id/frames': {
    access: 'ingest',
    summary: 'Upload a frame (image/jpeg, image/png or image/webp; size-capped)',
  },
  'GET /api/cameras/:id/frames': {
    access: 'public',
    summary: "A camera's retained frames in a time window",
    scope: CAMERA_FRAMES,
  },
  'GET /api/cameras/:id/frames/:ts': {
    access: 'public',
    summary: 'One frame by its time',
    scope: CAMERA_FRAMES,
  },
  'GET /api/cameras/:id/frame': {
    access: 'public',
    summary: "A camera's latest frame (ETag, Cache-Control)",
    scope: CAMERA_FRAMES,
  },

  // Scenarios
  'GET /api/scenarios': {
    access: 'public',
    summary: 'Scenarios the caller may see',
    scope: SCENARIO_READ,
  },
  'POST /api/scenarios': { access: 'planner', summary: 'Create a scenario (owned by the caller)' },
  'GET /api/scenarios/:id': {
    access: 'public',
    summary: 'A scenario with its edits',
    scope: SCENARIO_READ,
  },
  'PATCH /api/scenarios/:id': {
    access: 'planner',
    summary: 'Rename, describe, publish or unpublish a scenario',
    scope: SCENARIO_EDIT,
  },
  'DELETE /api/scenarios/:id': {
    access: 'planner',
    summary: 'Delete a scenario',
    scope: SCENARIO_EDIT,
  },
  'POST /api/scenarios/:id/duplicate': {
    access: 'planner',
    summary: 'Branch a scenario into a draft owned by the caller',
    scope: SCENARIO_EDIT,
  },
  'GET /api/scenarios/:id/edits': {
    access: 'public',
    summary: "A scenario's edits",
    scope: SCENARIO_READ,
  },
  'POST /api/scenarios/:id/edits': {
    access: 'planner',
    summary: 'Add an edit',
    scope: SCENARIO_EDIT,
  },
  'PUT /api/scenarios/:id/edits/:editId': {
    access: 'planner',
    summary: 'Replace an edit',
    scope: SCENARIO_EDIT,
  },
  'PATCH /api/scenarios/:id/edits/:editId': {
    access: 'planner',
    summary: 'Replace an edit',
    scope: SCENARIO_EDIT,
  },
  'DELETE /api/scenarios/:id/edits/:editId': {
    access: 'planner',
    summary: 'Remove an edit',
    scope: SCENARIO_EDIT,
  },
  'GET /api/scenarios/:id/impact': {
    access: 'public',
    summary: "A scenario's impact",
    scope: `${SCENARIO_READ}; utility asset detail for planners and up`,
  },
  'GET /api/scenarios/:id/impact/layers/:layer': {
    access: 'public',
    summary: 'Impact map layers (GeoJSON)',
    scope: `${SCENARIO_READ}; utilities: 401 anonymous, 403 below planner`,
  },
  'GET /api/scenarios/:id/export': {
    access: 'public',
    summary: 'Export edits (GeoJSON) or the impact (CSV, JSON)',
    scope: SCENARIO_READ,
  },
  'GET /api/scenarios/:id/shares': {
    access: 'planner',
    summary: 'Who a scenario is shared with',
    scope: SCENARIO_EDIT,
  },
  'PUT /api/scenarios/:id/shares': {
    access: 'planner',
    summary: 'Share a scenario with named users (read or edit)',
    scope: SCENARIO_EDIT,
  },
  'GET /api/impact/calibration': {
    access: 'public',
    summary: 'The traffic baseline calibrated to observed peak-hour counts (GEH per count site)',
    scope: 'traffic count sites only (public sensors)',
  },
  'GET /api/impact-factors': { access: 'public', summary: 'Impact factors with units and sources' },
  'PUT /api/impact-factors/:key': { access: 'admin', summary: 'Change an impact factor' },

  // Imports and datasets (GIS staff)
  'POST /api/datasets/preview': {
    access: 'gis',
    summary: 'Preview an upload: format, CRS, fields, first features',
  },
  'POST /api/datasets': { access: 'gis', summary: 'Import a file (replace, append or upsert)' },
  'GET /api/datasets': { access: 'gis', summary: 'Datasets with counts and extents' },
  'GET /api/datasets/:id': { access: 'gis', summary: 'An import job' },
  'GET /api/datasets/:id/events': {
    access: 'gis',
    summary: "An import job's progress (server-sent events)",
  },
  'GET /api/datasets/:id/report': { access: 'gis', summary: "An import job's per-feature report" },
  'GET /api/datasets/:id{[0-9]+}/export': {
    access: 'gis',
    summary: "A dataset's features as GeoPackage, FlatGeobuf, GeoJSON or CSV",
  },
  'DELETE /api/datasets/:id{[0-9]+}': {
    access: 'gis',
    summary: 'Delete a dataset and its features in one transaction',
  },

  // Accounts, sessions, tokens, audit
  'GET /api/session': {
    access: 'public',
    summary: 'The signed-in user (or null) and the CSRF token',
  },
  'POST /api/session': { access: 'public', summary: 'Sign in with user name and password' },
  'DELETE /api/session': { access: 'public', summary: 'Sign out' },
  'GET /auth/oidc/login': {
    access: 'public',
    summary: 'Single sign-on: redirect to the OpenID provider',
  },
  'GET /auth/oidc/callback': {
    access: 'public',
    summary: 'Single sign-on: the provider returns here',
  },
  'GET /api/tokens': {
    access: 'signed-in',
    summary: "The caller's API tokens (admin: everyone's)",
  },
  'POST /api/tokens': {
    access: 'signed-in',
    summary: 'Create an API token acting as the caller (shown once)',
  },
  'DELETE /api/tokens/:id': {
    access: 'signed-in',
    summary: 'Revoke an API token',
    scope: "own tokens; admin: anyone's",
  },
  'GET /api/users': { access: 'admin', summary: 'Every account' },
  'POST /api/users': { access: 'admin', summary: 'Create an account' },
  'PATCH /api/users/:name': { access: 'admin', summary: "Change an account's role or password" },
  'DELETE /api/users/:name': { access: 'admin', summary: 'Remove an account' },
  'GET /api/users/directory': {
    access: 'planner',
    summary: 'Names of accounts a scenario can be shared with',
  },
  'GET /api/audit': { access: 'admin', summary: 'The audit log, newest first' },

  // The public dashboard, its embeds, and the map's tools (issues #9 item 5, #12, #10 item 7)
  'GET /api/dashboard': {
    access: 'public',
    summary: "The city's KPIs, 24-hour series and published scenarios' headline deltas",
    scope: 'utility figures as city-wide aggregates only; published scenarios only',
  },
  'GET /api/home': {
    access: 'public',
    summary: 'Where the map opens (TWIN_HOME or the densest cluster of the data)',
  },
  'GET /api/search': {
    access: 'public',
    summary: 'Find streets, places, buildings, addresses and sensors by name',
    scope: `from layers the caller may see; ${SENSOR_KINDS}`,
  },
  'GET /api/shadows': {
    access: 'public',
    summary: 'Ground shadows of the buildings in view at a moment (sun study)',
    scope: 'as the buildings layer',
  },
  'GET /api/readings/range': {
    access: 'public',
    summary: 'The time span of stored city-wide traffic history (the time slider)',
    scope: 'city-wide traffic roll-ups only',
  },
  'GET /dashboard': { access: 'public', summary: 'The public dashboard page', internal: true },
  'GET /embed/map': {
    access: 'public',
    summary: 'Embeddable map of public layers',
    internal: true,
  },
  'GET /embed/kpi/:key': { access: 'public', summary: 'Embeddable KPI', internal: true },
  'GET /embed/chart/:key': {
    access: 'public',
    summary: 'Embeddable 24-hour chart',
    internal: true,
  },
  'GET /embed/scenario/:id': {
    access: 'public',
    summary:
      "Embeddable before/after view of a published scenario (its data: the scenario's own routes)",
    internal: true,
  },

  // API reference
  'GET /api/openapi.json': { access: 'public', summary: 'This API as OpenAPI 3.1' },
  'GET /api/docs': { access: 'public', summary: 'The API reference page', internal: true },
  'GET /api/docs/:file': {
    access: 'public',
    summary: "The reference page's scripts and styles",
    internal: true,
  },

  // The web app (built files), mounted last
  'GET /': { access: 'public', summary: 'The map', internal: true },
  'GET /*': { access: 'public', summary: "The map's files", internal: true, fallback: true },
};

/** The policy key of a route as Hono registers it. */
export const policyKey = (method: string, path: string): string => `${method} ${path}`;
