// Builds dist/ for the image: the service bundled into one CommonJS file (esbuild) and better-sqlite3's native
// addon next to it. The Dockerfile only copies dist/, so the image needs no npm and no compiler.
// Run after `npm ci` (the addon must match the Node.js of the image's base: build on the same major version).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const require = createRequire(join(root, 'package.json'));

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: [join(root, 'src/main.ts')],
  outfile: join(dist, 'server.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  legalComments: 'none',
  logLevel: 'warning',
});
const addon = join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
copyFileSync(addon, join(dist, 'better_sqlite3.node'));
process.stdout.write(`built ${join(dist, 'server.cjs')} and ${join(dist, 'better_sqlite3.node')}\n`);
