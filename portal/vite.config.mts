// Builds the portal into dist/portal, which the API serves at `/` (src/portal/serving.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { Plugin, defineConfig } from 'vite';

/** Text assets compressed once at build, so the API sends them brotli or gzip without compressing per request. */
const COMPRESSIBLE = /\.(js|css|svg|html)$/;

function precompressedAssets(): Plugin {
  return {
    name: 'precompressed-assets',
    apply: 'build',
    writeBundle(output, bundle) {
      const dir = output.dir!;
      for (const fileName of Object.keys(bundle).filter((name) => COMPRESSIBLE.test(name))) {
        const bytes = readFileSync(join(dir, fileName));
        writeFileSync(join(dir, `${fileName}.br`), brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
        writeFileSync(join(dir, `${fileName}.gz`), gzipSync(bytes, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  base: '/',
  // React's automatic JSX runtime through Vite's own transformer: no React plugin needed for a build.
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  plugins: [precompressedAssets()],
  build: {
    outDir: '../dist/portal',
    // tsc compiles src/portal/ (the API's serving of this bundle) into the same folder: emptying it would take
    // those modules away from a build made after the compile. `npm run build:portal` empties assets/ instead.
    emptyOutDir: false,
    // Everything stays a file of this origin (the CSP allows only 'self'; no data: URLs).
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
    // TanStack Query marks its hooks "use client" for React Server Components; a browser-only bundle has nothing to keep.
    rolldownOptions: { checks: { moduleLevelDirective: false } },
  },
});
