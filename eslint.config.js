// Type-aware lint: floating promises and import cycles are the two mistakes that hurt a
// long-running poller most (a lost rejection, a module that half-initialises).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

// The layering, as lint (arrows point towards core, never back):
//   core                  imports no other @pollfleet package (ports and pure policies live here)
//   packages/*/src        (adapters, collectors, lab, testing) import @pollfleet/core only
//   packages/testing/src  may also wrap @pollfleet/coordination-memory (its test knobs) and
//                         re-export @pollfleet/lab (the RouterOS simulator lives there)
//   apps/*/src            compose: the only place that imports adapters, collectors and the lab
//   tests, benches        anything, @pollfleet/testing and @pollfleet/core/internal included
const ADAPTERS = {
  group: [
    '@pollfleet/inventory-*',
    '@pollfleet/coordination-*',
    '@pollfleet/bus-*',
    '@pollfleet/sink-*',
  ],
  message:
    'only apps/ imports adapters (inventory-*, coordination-*, bus-*, sink-*): take the port from @pollfleet/core and let apps/poller pass the implementation in',
};
const COLLECTORS = {
  group: ['@pollfleet/collector-*'],
  message: 'a package does not import a collector; apps/poller registers them',
};
const TESTING = {
  group: ['@pollfleet/testing', '@pollfleet/testing/*'],
  message: '@pollfleet/testing is for tests only; production code must not depend on it',
};
const LAB = {
  group: ['@pollfleet/lab', '@pollfleet/lab/*'],
  message:
    'the simulated lab is composed by apps/ (pollfleet lab, the demo); a package does not import it',
};
const CORE_INTERNAL = {
  group: ['@pollfleet/core/internal'],
  message: '@pollfleet/core/internal is for tests; use the public names of @pollfleet/core',
};
const APP = {
  group: ['@pollfleet/poller', '@pollfleet/poller/*'],
  message: 'nothing imports the app',
};
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./packages/*/tsconfig.json', './apps/*/tsconfig.json', './tsconfig.test.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Resolve `./x.js` to `./x.ts` and workspace packages to their sources, so that no-cycle
      // and no-relative-packages see the real import graph (without it they see nothing).
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.js', '.json', '.node'],
          extensionAlias: { '.js': ['.ts', '.js'] },
          conditionNames: ['source', 'types', 'import', 'default'],
        }),
      ],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'import-x/no-cycle': 'error',
      'no-console': 'error',
    },
  },
  {
    // Source reaches another package by its name, never by a relative path into its files.
    files: ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts'],
    rules: { 'import-x/no-relative-packages': 'error' },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    rules: restrict(ADAPTERS, COLLECTORS, TESTING, LAB, CORE_INTERNAL, APP),
  },
  {
    files: ['packages/core/src/**/*.ts'],
    rules: restrict({
      group: ['@pollfleet/*'],
      message:
        'core imports no other @pollfleet package: the ports and pure policies live in core, adapters and collectors depend on it, never the other way',
    }),
  },
  {
    files: ['packages/testing/src/**/*.ts'],
    rules: restrict(
      { ...ADAPTERS, group: [...ADAPTERS.group, '!@pollfleet/coordination-memory'] },
      COLLECTORS,
      CORE_INTERNAL,
      APP,
    ),
  },
  {
    files: ['apps/*/src/**/*.ts'],
    rules: restrict(TESTING, CORE_INTERNAL),
  },
  {
    // Tests, the contract suites and benchmarks: node:test's describe/it return promises by design, and bench scripts print.
    files: [
      '**/test/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'packages/testing/src/contracts/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['describe', 'it', 'test', 'suite'], package: 'node:test' },
          ],
        },
      ],
      'no-console': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
