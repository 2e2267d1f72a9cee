// Builds the portal into dist/portal, which the API serves at `/` (src/api/portal.ts).
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  // React's automatic JSX runtime through Vite's own transformer: no React plugin needed for a build.
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: '../dist/portal',
    emptyOutDir: true,
    // Everything stays a file of this origin (the CSP allows only 'self'; no data: URLs).
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
    // TanStack Query marks its hooks "use client" for React Server Components; a browser-only bundle has nothing to keep.
    rolldownOptions: { checks: { moduleLevelDirective: false } },
  },
});
