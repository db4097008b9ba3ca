import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The web app (issue 13): built into dist/, which the board serves (services/board/src/routes/pages.ts).
// It imports the catalogue (labels, states, the transition table) from shared/src, as source.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
});
