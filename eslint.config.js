// ESLint: typescript-eslint's recommended rules, formatting left to Prettier, and one rule of
// the project's own (eslint-rules/): inside a transaction only the transaction handle is used.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import transactionHandle from './eslint-rules/transaction-handle.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'openapi/', 'test-output/', 'bench/**/results.json', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    plugins: { stubbuild: { rules: { 'transaction-handle': transactionHandle } } },
    rules: {
      'stubbuild/transaction-handle': 'error',
      // A cleanup registered before the value it cleans up is assigned reads the variable first.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `_name` marks what is taken apart on purpose and not used.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Tests may use any (JSON answers) and non-null assertions freely.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
