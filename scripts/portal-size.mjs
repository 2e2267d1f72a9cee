// After `vite build`: the JavaScript a first visit to the portal loads (the scripts index.html names,
// and the chunks they preload), gzip-compressed, summed and checked against the 300 KB budget.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 300 * 1024;
const dir = resolve(process.argv[2] ?? 'dist/portal');
const html = readFileSync(join(dir, 'index.html'), 'utf8');
const entries = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+\.js)"/g)].map((m) => m[1]);
if (entries.length === 0) {
  console.error(`portal-size: no script in ${join(dir, 'index.html')}`);
  process.exit(1);
}
let total = 0;
for (const file of entries) {
  const bytes = readFileSync(join(dir, file));
  const gzipped = gzipSync(bytes, { level: 9 }).length;
  total += gzipped;
  console.log(`  ${file}  ${(bytes.length / 1024).toFixed(1)} KB, ${(gzipped / 1024).toFixed(1)} KB gzip`);
}
console.log(`portal first load: ${(total / 1024).toFixed(1)} KB of gzip-compressed JavaScript (budget ${BUDGET_BYTES / 1024} KB)`);
if (total > BUDGET_BYTES) {
  console.error('portal-size: over budget');
  process.exit(1);
}
