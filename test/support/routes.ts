import { policyKey } from '../../server/auth/policy';
import type { TestTwin } from './twin';

/** Every route the app registers, as `METHOD /path` (middleware-only entries left out). */
export function registeredRoutes(twin: TestTwin): string[] {
  return [
    ...new Set(
      twin.app.routes.filter((r) => r.method !== 'ALL').map((r) => policyKey(r.method, r.path)),
    ),
  ];
}
