import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Every module the web app's entry of shared (src/browser.ts) reaches, following its imports as the
 * page's build does (contracts/hosts.ts replaced by hosts.browser.ts), with what each imports from outside.
 */
function reach(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const source = readFileSync(file, 'utf8');
    const outside: string[] = [];
    seen.set(file, outside);
    for (const [, typeOnly, spec] of source.matchAll(/^(?:import|export)(\s+type)?[^'";]*?from\s+'([^']+)'/gm)) {
      if (typeOnly) continue;
      if (!spec!.startsWith('.')) {
        outside.push(spec!);
        continue;
      }
      let target = resolve(dirname(file), spec!);
      if (target.endsWith('/contracts/hosts')) target += '.browser';
      visit(`${target}.ts`);
    }
  };
  visit(entry);
  return seen;
}

describe('the web app’s entry point of shared', () => {
  const modules = reach(join(__dirname, '..', 'src', 'browser.ts'));
  it('reaches the catalogue, the contracts and the feed client', () => {
    const names = [...modules.keys()].map((f) => f.slice(f.indexOf('/src/') + 5));
    expect(names).toEqual(expect.arrayContaining(['contracts/labels.ts', 'access/transitions.ts', 'feed-client.ts', 'contracts/hosts.browser.ts']));
  });
  it('imports no Node module, and nothing from outside but zod and ulid', () => {
    const outside = new Set([...modules.values()].flat());
    expect([...outside].sort()).toEqual(['ulid', 'zod']);
  });
});
