// After `vite build`: what a first visit to the portal transfers — the scripts index.html names, the chunks
// they preload and its stylesheets, as the API sends them (the brotli files the build wrote beside them,
// src/portal/serving.ts) — summed; the JavaScript is checked against the 300 KB budget.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const BUDGET_BYTES = 300 * 1024;
const dir = resolve(process.argv[2] ?? 'dist/portal');
const html = readFileSync(join(dir, 'index.html'), 'utf8');
const scripts = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+\.js)"/g)].map((m) => m[1]);
const styles = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*\shref="\/([^"]+\.css)"/g)].map((m) => m[1]);
if (scripts.length === 0) {
  console.error(`portal-size: no script in ${join(dir, 'index.html')}`);
  process.exit(1);
}

/** The bytes sent for `file`: its brotli twin (every browser the portal supports accepts br). */
function transferred(file) {
  const plain = readFileSync(join(dir, file)).length;
  const brotli = join(dir, `${file}.br`);
  if (!existsSync(brotli)) {
    console.error(`portal-size: ${file} has no precompressed ${file}.br: the API would send it uncompressed`);
    process.exit(1);
  }
  const sent = readFileSync(brotli).length;
  console.log(`  ${file}  ${(plain / 1024).toFixed(1)} KB, ${(sent / 1024).toFixed(1)} KB sent (brotli)`);
  return sent;
}

const scriptBytes = scripts.reduce((sum, file) => sum + transferred(file), 0);
const styleBytes = styles.reduce((sum, file) => sum + transferred(file), 0);
console.log(
  `portal first load: ${(scriptBytes / 1024).toFixed(1)} KB of JavaScript transferred (budget ${BUDGET_BYTES / 1024} KB)` +
    ` + ${(styleBytes / 1024).toFixed(1)} KB of CSS`,
);
if (scriptBytes > BUDGET_BYTES) {
  console.error('portal-size: over budget');
  process.exit(1);
}
