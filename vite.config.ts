/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

/**
 * One config for the browser build (vite) and the test runner (vitest).
 * simple-peer's CommonJS entry needs Node globals; its prebuilt browser bundle does not.
 */
export default defineConfig({
  root: 'src/ui',
  publicDir: false,
  build: {
    outDir: '../../dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  // `npm run dev` (scripts/dev.mjs): the signaling server runs beside vite; forward its paths to it.
  server: {
    proxy: {
      '/ws': { target: `ws://127.0.0.1:${process.env.SIGNALING_PORT ?? '8080'}`, ws: true },
      '/peerjs': { target: `http://127.0.0.1:${process.env.SIGNALING_PORT ?? '8080'}`, ws: true },
      '/healthz': { target: `http://127.0.0.1:${process.env.SIGNALING_PORT ?? '8080'}` },
      '/api': { target: `http://127.0.0.1:${process.env.SIGNALING_PORT ?? '8080'}` },
    },
  },
  resolve: {
    alias: [{ find: /^simple-peer$/, replacement: 'simple-peer/simplepeer.min.js' }],
  },
  test: {
    root: '.',
    include: ['test/**/*.test.ts'],
    // Keep the default `forks` pool: `threads` + wrtc segfaults at exit.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
