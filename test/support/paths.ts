import { fileURLToPath } from 'node:url';

/** Scratch space for test runs (ignored by git). */
export const TEST_DATA_DIR = fileURLToPath(new URL('../../.test-data', import.meta.url));
/** Screenshots and other artifacts a run keeps (ignored by git). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts', import.meta.url));
/** The workplace's real open data, when present (never copied into the repository). */
export const SHARED_DATA_DIR = fileURLToPath(new URL('../../../shared/data', import.meta.url));
