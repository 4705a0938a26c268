/**
 * Examples started as their own processes import 'uid2-publisher' by name, which Node resolves through
 * package.json "exports" to dist/. The vitest global setup (global-build.ts) makes sure dist/ is built
 * and current before any test runs.
 */
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
