// ESLint flat config: typescript-eslint with type-aware rules on the server, tiles, data,
// tests and benches (tsconfig.json), and on the web app (web/tsconfig.json, Svelte 5 files).
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'web/dist/',
      '.twin-data/',
      '.test-data/',
      'test-artifacts/',
      '.bench-profiles/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
    rules: {
      // Type-aware: a promise nobody awaits is an unhandled rejection waiting to crash the server.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { attributes: false } },
      ],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      // TypeScript checks names itself (typescript-eslint's advice); ambient DOM/GeoJSON types.
      'no-undef': 'off',
      // The twin matches control characters on purpose: to refuse NUL bytes and RS-separated JSON.
      'no-control-regex': 'off',
      // Initial values before try/finally and loops are deliberate (definite assignment).
      'no-useless-assignment': 'off',
      // Web state is $state.raw, replaced whole and never mutated in place, so plain Map/Set/Date
      // are right; the rule cannot tell that pattern from in-place mutation.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  {
    files: ['web/src/**/*.{ts,svelte}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // One client (issue #12 item 8): errors, CSRF and retries live in web/src/lib/api.ts.
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'Call the twin through web/src/lib/api.ts (api, getJson).' },
      ],
    },
  },
  {
    files: ['web/src/lib/api.ts'],
    rules: { 'no-restricted-globals': 'off' },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
