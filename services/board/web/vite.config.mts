import { join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import preact from '@preact/preset-vite';

const contracts = join(import.meta.dirname, '../../../shared/src/contracts');

/** The contracts' host checks without Node's modules (shared/src/contracts/hosts.browser.ts). */
const sharedForBrowser: Plugin = {
  name: 'ucsc-shared-browser',
  enforce: 'pre',
  resolveId(source, importer) {
    if (source === './hosts' && importer?.startsWith(contracts)) return join(contracts, 'hosts.browser.ts');
    return null;
  },
};

// The web app (issue 13): built into dist/, which the board serves (services/board/src/routes/pages.ts).
// It imports shared/src/browser.ts (the catalogue, contracts, the feed's client), as source.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [sharedForBrowser, preact()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
});
