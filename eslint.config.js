// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Things that make a simulation nondeterministic or read the outside world. */
const impureGlobals = [
  { name: 'Date', message: 'Pass time in; the core never reads a clock.' },
  { name: 'performance', message: 'Pass time in; the core never reads a clock.' },
  { name: 'setTimeout', message: 'No timers in the core: return work to the caller.' },
  { name: 'setInterval', message: 'No timers in the core: return work to the caller.' },
  { name: 'requestAnimationFrame', message: 'No timers in the core.' },
  { name: 'queueMicrotask', message: 'No timers in the core.' },
  { name: 'window', message: 'No DOM in the core.' },
  { name: 'document', message: 'No DOM in the core.' },
  { name: 'crypto', message: 'Use the seeded RNG.' },
];
const floatMath = ['random', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'sqrt', 'cbrt', 'pow', 'exp', 'expm1', 'log', 'log2', 'log10', 'log1p', 'hypot', 'sinh', 'cosh', 'tanh', 'fround'];
const impureProperties = floatMath.map((property) => ({
  object: 'Math',
  property,
  message: 'Not deterministic across engines (or random): use src/game/fixed.ts or the seeded RNG.',
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', '**/*.min.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Use an `as const` object and a derived union.' }],
    },
  },
  {
    // The deterministic core: no clocks, timers, randomness, float trig, DOM; imports only inward.
    files: ['src/game/**/*.ts', 'src/netcode/**/*.ts', 'src/shared/**/*.ts', 'src/match/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...impureGlobals],
      'no-restricted-properties': ['error', ...impureProperties],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/game/**', '**/game', '**/netcode/**', '**/netcode', '**/transport/**', '**/lobby/**', '**/ui/**', '**/sim/**', '**/signaling/**'], message: 'shared is a leaf: every layer may import it, so it imports nothing from the project.' },
        { group: ['simple-peer', 'peerjs', 'pixi.js', 'ws', 'node:*'], message: 'shared is pure.' },
      ] }],
    },
  },
  {
    files: ['src/game/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/netcode/**', '**/netcode', '**/transport/**', '**/lobby/**', '**/ui/**', '**/signaling/**'], message: 'game knows nothing of netcode, transport, lobby or UI.' },
        { group: ['simple-peer', 'peerjs', 'pixi.js', 'ws', 'node:*'], message: 'game is pure.' },
      ] }],
    },
  },
  {
    files: ['src/netcode/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/game/**', '**/game', '**/transport/**', '**/lobby/**', '**/ui/**', '**/signaling/**'], message: 'netcode imports nothing from the project except its own types (sessions are generic over the game).' },
        { group: ['simple-peer', 'peerjs', 'pixi.js', 'ws', 'node:*'], message: 'netcode is sans-IO.' },
      ] }],
    },
  },
  {
    files: ['src/transport/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/lobby/**', '**/ui/**', '**/signaling/**', '**/game/**'], message: 'transport depends only on netcode port types.' },
      ] }],
    },
  },
  {
    files: ['src/match/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/transport/**', '**/lobby/**', '**/ui/**', '**/sim/**', '**/signaling/**'], message: 'the match runner composes game and netcode only: every way of playing uses it.' },
        { group: ['simple-peer', 'peerjs', 'pixi.js', 'ws', 'node:*'], message: 'the match runner is sans-IO.' },
      ] }],
    },
  },
  {
    files: ['src/lobby/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/ui/**', '**/signaling/**'], message: 'lobby is used by the UI, never the reverse.' },
      ] }],
    },
  },
);
