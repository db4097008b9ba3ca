// npm run screens: the browser test's walk-through, saving every screen (Vietnamese, English, and at
// 360 px) into docs/screens/ as it goes; the README shows them.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './lib.mjs';

const dir = join(root, 'docs', 'screens');
mkdirSync(dir, { recursive: true });
const run = spawnSync('node', ['scripts/test.mjs', 'test/browser.test.ts'], { cwd: root, stdio: 'inherit', env: { ...process.env, UCSC_SCREENS_DIR: dir } });
process.exit(run.status ?? 1);
