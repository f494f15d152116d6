#!/usr/bin/env node
// Lists the test files of one scope: `unit` (hermetic: no PostgreSQL, Redis, snmpd or other
// service, and not a fuzz file), `fuzz` (hermetic files named `*fuzz*.test.ts`: randomised
// volume runs, minutes on a busy machine), `integration` (the rest) or `all`.
// Usage: node scripts/test-files.mjs <unit|fuzz|integration|all> [path...]
//
// The rule is exact and needs no list to keep up to date: a test file is an integration test
// when it, or a local module it imports (relative imports, followed transitively), imports one
// of SERVICE_MODULES. Every service address lives in `@pollfleet/testing/services`, and every
// helper that starts a service process calls its `requireServices()`, which throws in a unit
// run (POLLFLEET_TEST_SCOPE=unit), so a test that uses a service without importing it fails
// there instead of passing by luck. A unit file that imports a database or Redis driver is
// refused here for the same reason.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SERVICE_MODULES = new Set(['@pollfleet/testing/services', '@pollfleet/testing/snmp-agent']);
const DRIVERS = new Set(['ioredis', 'pg']);

const [scope, ...roots] = process.argv.slice(2);
if (!['unit', 'fuzz', 'integration', 'all'].includes(scope ?? '')) {
  console.error('usage: node scripts/test-files.mjs <unit|fuzz|integration|all> [path...]');
  process.exit(2);
}

function testFiles(root) {
  const st = statSync(root, { throwIfNoEntry: false });
  if (st === undefined) return [];
  if (st.isFile()) return root.endsWith('.test.ts') ? [root] : [];
  return readdirSync(root, { withFileTypes: true }).flatMap((e) =>
    e.name === 'node_modules' || e.name === 'dist' ? [] : testFiles(join(root, e.name)),
  );
}

// import ... from 'x'; export ... from 'x'; import 'x'; import('x')
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;

/** The bare (package) specifiers `file` imports, itself or through the local modules it reaches. */
function packageImports(file, found = new Set(), seen = new Set()) {
  if (seen.has(file)) return found;
  seen.add(file);
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
    if (spec.startsWith('.')) {
      packageImports(resolve(dirname(file), spec).replace(/\.js$/, '.ts'), found, seen);
    } else {
      found.add(spec);
    }
  }
  return found;
}

const files = [
  ...new Set((roots.length > 0 ? roots : ['packages', 'apps', 'test']).flatMap(testFiles)),
]
  .map((f) => relative(process.cwd(), resolve(f)))
  .sort();
const problems = [];
const picked = files.filter((f) => {
  const imports = packageImports(resolve(f));
  const integration = [...imports].some((s) => SERVICE_MODULES.has(s));
  if (!integration) {
    const drivers = [...imports].filter((s) => DRIVERS.has(s));
    if (drivers.length > 0) {
      problems.push(
        `${f} imports ${drivers.join(', ')} but not @pollfleet/testing/services: take the ` +
          `service address from there (which also makes the file an integration test)`,
      );
    }
  }
  if (scope === 'all') return true;
  if (integration) return scope === 'integration';
  return scope === (/fuzz[^/]*\.test\.ts$/.test(f) ? 'fuzz' : 'unit');
});
if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
for (const f of picked) console.log(f);
