// `npm run lint` (through scripts/ops-check.sh): checks what promtool cannot.
// - The Grafana dashboard (ops/grafana/*.json): unique integer panel ids, a grid position inside 24 columns, and
//   for every panel but rows a Prometheus datasource and targets, each with a refId, a datasource and an expr.
// - The dashboard's and the alert rules' PromQL name only metrics that exist: the product's (every
//   `name: 'do_…'` and `… = 'do_…'` in src/, and prom-client's default do_api_process_* / do_api_nodejs_*), the
//   Temporal SDK's (ops/temporal-sdk-metrics.txt), and Prometheus's own `up`.
// - docker-compose.yml against the Compose Specification's JSON schema (ops/compose/compose-spec.json, vendored),
//   and every file it mounts from the repository exists.
// Prints one line per problem and exits 1 if there is any.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml');
const Ajv2020 = require('ajv/dist/2020').default;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);

// ---- the metric names that exist
function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}
const known = new Set(['up']);
for (const file of sourceFiles(join(root, 'src'))) {
  for (const match of readFileSync(file, 'utf8').matchAll(/(?:name: |= )'(do_[a-z0-9_]+)'/g)) known.add(match[1]);
}
const sdkList = readFileSync(join(root, 'ops', 'temporal-sdk-metrics.txt'), 'utf8');
for (const line of sdkList.split('\n')) if (line.trim() && !line.startsWith('#')) known.add(line.trim());
const isKnown = (name) =>
  known.has(name) || known.has(name.replace(/_(bucket|sum|count)$/, '')) || /^do_api_(process|nodejs)_[a-z0-9_]+$/.test(name);

const PROMQL_WORDS = new Set('and or unless by without on ignoring group_left group_right offset bool inf nan atan2 start end'.split(' '));
/** The metric names a PromQL expression selects: identifiers that are no function, keyword, label or duration. */
function metricNames(expr) {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = [];
  for (const match of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const before = bare[match.index - 1] ?? ' ';
    if (/[0-9.]/.test(before)) continue; // 1e3, 5m
    if (
      bare
        .slice(match.index + match[0].length)
        .trimStart()
        .startsWith('(')
    )
      continue; // a function or aggregation
    if (PROMQL_WORDS.has(match[0].toLowerCase())) continue;
    names.push(match[0]);
  }
  return names;
}
function checkExpr(where, expr) {
  if (typeof expr !== 'string' || !expr.trim()) return problem(where, 'has no expr');
  const names = metricNames(expr);
  if (names.length === 0) problem(where, `selects no metric: ${expr}`);
  for (const name of names) if (!isKnown(name)) problem(where, `names ${name}, which neither the product nor the Temporal SDK exports`);
}

// ---- the Grafana dashboards
const dashboardDir = join(root, 'ops', 'grafana');
for (const file of readdirSync(dashboardDir).filter((name) => name.endsWith('.json'))) {
  const where = `ops/grafana/${file}`;
  const dashboard = JSON.parse(readFileSync(join(dashboardDir, file), 'utf8'));
  for (const key of ['title', 'uid']) if (typeof dashboard[key] !== 'string' || !dashboard[key]) problem(where, `has no ${key}`);
  if (!Number.isInteger(dashboard.schemaVersion)) problem(where, 'has no schemaVersion');
  const variables = new Set((dashboard.templating?.list ?? []).map((v) => v.name));
  const ids = new Set();
  const panels = (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
  if (panels.length === 0) problem(where, 'has no panels');
  for (const panel of panels) {
    const at = `${where}: panel ${panel.id} "${panel.title}"`;
    if (!Number.isInteger(panel.id)) problem(at, 'has no integer id');
    else if (ids.has(panel.id)) problem(at, 'repeats an id');
    ids.add(panel.id);
    const grid = panel.gridPos ?? {};
    if (!['h', 'w', 'x', 'y'].every((k) => Number.isInteger(grid[k])) || grid.x + grid.w > 24)
      problem(at, 'has no gridPos within 24 columns');
    if (panel.type === 'row') continue;
    const datasources = [panel.datasource, ...(panel.targets ?? []).map((t) => t.datasource)];
    for (const ds of datasources) {
      if (ds?.type !== 'prometheus' || typeof ds.uid !== 'string') problem(at, 'has a target or panel without a Prometheus datasource');
      const variable = /^\$\{(\w+)\}$/.exec(ds?.uid ?? '')?.[1];
      if (variable && !variables.has(variable))
        problem(at, `uses the datasource variable ${variable}, which the dashboard does not define`);
    }
    if (!Array.isArray(panel.targets) || panel.targets.length === 0) problem(at, 'has no targets');
    const refIds = new Set();
    for (const target of panel.targets ?? []) {
      if (!target.refId || refIds.has(target.refId)) problem(at, `has a target without a unique refId`);
      refIds.add(target.refId);
      checkExpr(`${at} target ${target.refId}`, target.expr);
    }
  }
}

// ---- the alert rules' metric names (promtool checks their syntax and runs their tests)
const rules = yaml.load(readFileSync(join(root, 'ops', 'prometheus', 'alerts.yml'), 'utf8'));
for (const group of rules.groups ?? []) {
  for (const rule of group.rules ?? []) {
    const at = `ops/prometheus/alerts.yml: ${rule.alert ?? rule.record}`;
    checkExpr(at, rule.expr);
    if (rule.alert && !['critical', 'warning'].includes(rule.labels?.severity)) problem(at, 'has no severity label (critical or warning)');
    if (rule.alert && !rule.annotations?.summary) problem(at, 'has no summary annotation');
  }
}

// ---- docker-compose.yml against the Compose Specification
const composeFile = join(root, 'docker-compose.yml');
const compose = yaml.load(readFileSync(composeFile, 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(readFileSync(join(root, 'ops', 'compose', 'compose-spec.json'), 'utf8')));
if (!validate(compose)) {
  for (const error of validate.errors ?? []) {
    const property = error.params?.unevaluatedProperty ?? error.params?.additionalProperty;
    problem('docker-compose.yml', `${error.instancePath || '/'} ${error.message}${property ? `: ${property}` : ''}`);
  }
}
for (const [name, service] of Object.entries(compose.services ?? {})) {
  for (const volume of service.volumes ?? []) {
    const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
    if (source?.startsWith('./') && !existsSync(join(root, source)))
      problem(`docker-compose.yml: ${name}`, `mounts ${source}, which does not exist`);
  }
}

if (problems.length > 0) {
  for (const line of problems) process.stderr.write(`ops-check: ${line}\n`);
  process.exit(1);
}
console.log('ops-check: dashboard, alert rules and docker-compose.yml are consistent');
