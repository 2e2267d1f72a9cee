// `npm run lint`: the capability folders' boundaries (README, Layout). A capability (src/<name>/, every folder
// of src/ but platform/) imports another only through its contract.ts (types, ids, messages, pure rules) or its
// useCases.ts (the functions it offers); the platform imports capabilities only through those, except where it
// assembles them (the app, the server, the OpenAPI document, the worker). Nothing in src/ imports dev/, test/ or
// bench/. Outside workflow code, a workflow's module is imported for its types only: the API starts, signals and
// queries a workflow through its capability's contract, so it never loads workflow code. Prints each import that
// breaks a rule and exits 1.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const assemblers = new Set([
  'src/platform/http/app.ts',
  'src/platform/http/server.ts',
  'src/platform/openapi/document.ts',
  'src/platform/worker/activities.ts',
  'src/platform/worker/workflows.ts',
  'src/platform/worker/main.ts',
  'src/platform/worker/gatewayWorkers.ts',
]);
const publicModules = /^src\/[^/]+\/(contract|useCases)$/;
const importPattern = /(?:from|import|require)\s*\(?\s*['"](\.{1,2}\/[^'"]*)['"]/g;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

const capabilityOf = (path) => path.split('/')[1];
// Workflow code: the modules the worker bundles (src/platform/worker/workflows.ts) and what they import beside
// their contracts (tempLockRun and the lock's reducer: lockState, lockEvents, lockStory; the devices' deviceCommand).
const bundleEntry = 'src/platform/worker/workflows.ts';
const workflowModules = new Set([
  ...[...readFileSync(join(root, bundleEntry), 'utf8').matchAll(/from\s*'(\.{1,2}\/[^']+)'/g)].map(([, spec]) =>
    normalize(join(dirname(bundleEntry), spec)),
  ),
  'src/tempLocks/tempLockRun',
  'src/devices/deviceCommand',
  'src/tempLocks/lockState',
  'src/tempLocks/lockEvents',
  'src/tempLocks/lockStory',
]);
const workflowModule = { test: (path) => workflowModules.has(path) };
const workflowCode = (path) => workflowModule.test(path.replace(/\.ts$/, '')) || path === bundleEntry;
const valueImportPattern = /^(?:import|export)\s+(?!type\b)[^;]*?from\s*['"](\.{1,2}\/[^'"]*)['"]/gm;
const broken = [];
for (const file of files(join(root, 'src'))) {
  const from = relative(root, file);
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(importPattern)) {
    const target = normalize(join(dirname(from), spec)).replace(/\.ts$/, '');
    if (!target.startsWith('src/')) {
      broken.push(`${from} imports ${spec}: nothing in src/ imports dev/, test/ or bench/`);
      continue;
    }
    const [mine, theirs] = [capabilityOf(from), capabilityOf(target)];
    if (mine === theirs || theirs === 'platform' || publicModules.test(target)) continue;
    if (mine === 'platform' && assemblers.has(from)) continue;
    broken.push(`${from} imports ${target}: import src/${theirs}/contract or src/${theirs}/useCases instead`);
  }
  if (workflowCode(from)) continue;
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(valueImportPattern)) {
    const target = normalize(join(dirname(from), spec)).replace(/\.ts$/, '');
    if (workflowModule.test(target)) broken.push(`${from} imports ${target}: use its contract (ids, messages, types), not workflow code`);
  }
}
for (const line of broken) console.error(`capabilities: ${line}`);
process.exit(broken.length > 0 ? 1 : 0);
