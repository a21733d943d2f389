// Worker entry: TypeScript is loaded through tsx in this thread whether or not the parent
// process runs under tsx (npm start does; vitest and the CLI may not).
import { register } from 'tsx/esm/api';

register();
await import('./impact-worker.ts');
