#!/usr/bin/env node
// Builds the single-file submitter, dist/base-submitter.mjs: the submitter CLI and every runtime dependency it
// loads (@polkadot/api and its wasm crypto, yaml, ajv, p-retry, …) bundled by esbuild, so a validator host needs
// Node.js 20 and nothing else (no node_modules, no dev dependencies). Writes the file's sha256 beside it in
// sha256sum format and prints {file, bytes, sha256, version} as one JSON line.
//
//   node deploy/release/build-submitter.mjs [--out dist/base-submitter.mjs]
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const outIndex = process.argv.indexOf('--out');
const out = path.resolve(root, outIndex > 0 ? process.argv[outIndex + 1] : 'dist/base-submitter.mjs');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

mkdirSync(path.dirname(out), { recursive: true });
await build({
  entryPoints: [path.join(root, 'submitter/cli.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __baseCreateRequire } from 'node:module';\nconst require = __baseCreateRequire(import.meta.url);" },
  define: { BASE_RELEASE_VERSION: JSON.stringify(version) },
  legalComments: 'linked',
  logLevel: 'warning',
});

const bytes = readFileSync(out);
const sha256 = createHash('sha256').update(bytes).digest('hex');
writeFileSync(`${out}.sha256`, `${sha256}  ${path.basename(out)}\n`);
process.stdout.write(`${JSON.stringify({ file: path.relative(root, out), bytes: bytes.length, sha256, version })}\n`);
