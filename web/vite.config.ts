import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Two pages, one build: the booking page (index.html, also /manage/<ref>) and the owner
// console (owner.html). Output goes to dist/web, which the Fastify app serves.
const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: '/',
  build: {
    outDir: resolve(here, '../dist/web'),
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      input: { index: resolve(here, 'index.html'), owner: resolve(here, 'owner.html') },
    },
  },
  oxc: { jsx: { runtime: 'automatic' } },
  server: { proxy: { '/api': { target: 'http://localhost:3000', ws: true } } },
});
