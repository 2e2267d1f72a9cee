// Lint: typescript-eslint's recommended rules; formatting is Prettier's job.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

/** MongoStores' collections (src/platform/db/mongo.ts): `mongo.<collection>.<call>` outside a store module is data access. */
const mongoCollections = ['workflowVersions', 'devices', 'deviceWorkflowSteps', 'deviceActions', 'deviceActionHistory', 'gatewayCommands'];

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'dist-bench/', 'dist-dev/', 'dist-test/', '.data/', 'coverage/', 'test/replay/histories/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  // Store modules are the one home for data (STYLE.md): each capability's `store.ts` / `*Store.ts` and the
  // platform's src/platform/db. Elsewhere in src no SQL, no MongoDB collection call, and pg / mongodb only as types.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/platform/db/**', 'src/**/store.ts', 'src/**/*Store.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        ...['pg', 'mongodb', 'pg-copy-streams'].map((name) => ({
          name,
          allowTypeImports: true,
          message: 'data access lives in store modules: call a named store function (types may be imported with `import type`)',
        })),
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='query'][arguments.0.type=/^(Literal|TemplateLiteral)$/]",
          message: 'SQL lives in store modules: call a named store function',
        },
        {
          selector: "CallExpression[callee.property.name='collection']",
          message: 'MongoDB calls live in store modules: call a named store function',
        },
        {
          selector: `CallExpression > MemberExpression.callee > MemberExpression.object[property.name=/^(${mongoCollections.join('|')})$/]:matches([object.name='mongo'], [object.property.name='mongo'])`,
          message: 'MongoDB calls live in store modules: call a named store function',
        },
      ],
    },
  },
  // Tests read JSON answers and database rows loosely; production code may not.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
