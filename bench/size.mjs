// The size of the built app: the release .wasm (after wasm-opt), JS and CSS, raw and gzip.
// Usage: node bench/size.mjs   (after `trunk build --release`)
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, extname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../tests/e2e/support.mjs';

const dist = join(ROOT, 'dist');
const kinds = { '.wasm': 'wasm', '.js': 'js', '.css': 'css', '.html': 'html' };
const totals = {};
for (const name of readdirSync(dist)) {
  const kind = kinds[extname(name)];
  if (!kind) continue;
  const bytes = readFileSync(join(dist, name));
  const t = (totals[kind] ??= { raw: 0, gzip: 0 });
  t.raw += bytes.length;
  t.gzip += gzipSync(bytes, { level: 9 }).length;
}
const all = Object.values(totals).reduce((s, t) => ({ raw: s.raw + t.raw, gzip: s.gzip + t.gzip }), { raw: 0, gzip: 0 });
const kb = (n) => (n / 1024).toFixed(1);
for (const [kind, t] of Object.entries(totals)) console.log(`${kind.padEnd(5)} ${kb(t.raw).padStart(8)} KB raw ${kb(t.gzip).padStart(8)} KB gzip`);
console.log(`total ${kb(all.raw).padStart(8)} KB raw ${kb(all.gzip).padStart(8)} KB gzip (goal: under 600 KB gzip: ${all.gzip < 600 * 1024 ? 'met' : 'MISSED'})`);
mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
writeFileSync(join(ROOT, 'bench-results/size.json'), JSON.stringify({ ...totals, total: all, goal_gzip_bytes: 600 * 1024 }, null, 2) + '\n');
