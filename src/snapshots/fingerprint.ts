import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// A read-model snapshot is only as good as the fold that wrote it: load one written by a
// different fold (a fixed bug, a new field) and the models would silently differ from a
// replay. Rather than trusting someone to bump a version number, hash the fold's own code —
// every module under projections/ and machines/ (the events and their upcasters) — as this
// process runs it: compiled .js under dist/, .ts sources under the test runner.

const FOLD_DIRS = ['../../projections/', '../../machines/'];
const isModule = (name: string) => /\.(js|ts)$/.test(name) && !name.endsWith('.d.ts');

export const foldFingerprint = (): string => {
  const hash = createHash('sha256');
  for (const dir of FOLD_DIRS) {
    const path = fileURLToPath(new URL(dir, import.meta.url));
    for (const name of readdirSync(path).filter(isModule).sort()) {
      hash.update(`${dir}${name}\0`);
      hash.update(readFileSync(`${path}${name}`));
    }
  }
  return hash.digest('hex');
};
