import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README and docs/ link to each other and to files in the repository: every relative
// link must lead to a file that exists, and every #anchor to a heading that does.

const repo = resolve(import.meta.dirname, '..', '..');

const markdownFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'screenshots' ? [] : markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

const anchorsOf = (file: string): Set<string> => {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
};

/** Every link target in a Markdown file: [text](target) and src="target", outside code. */
const linksOf = (file: string): string[] => {
  const text = readFileSync(file, 'utf8')
    .replace(/```[\s\S]*?```/g, '')
    .replace(/`[^`\n]*`/g, '');
  const links = [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? '');
  const sources = [...text.matchAll(/\bsrc="([^"]+)"/g)].map((m) => m[1] ?? '');
  return [...links, ...sources];
};

const files = [join(repo, 'README.md'), ...(existsSync(join(repo, 'docs')) ? markdownFiles(join(repo, 'docs')) : [])];

describe('links in README.md and docs/', () => {
  it.each(files.map((f) => [relative(repo, f), f]))('%s: every relative link resolves', (_name, file) => {
    const broken: string[] = [];
    for (const link of linksOf(file)) {
      if (/^(https?:|mailto:)/.test(link)) continue;
      const [path = '', anchor] = link.split('#');
      const target = path === '' ? file : resolve(dirname(file), decodeURI(path));
      if (!existsSync(target)) {
        broken.push(`${link} (no such file)`);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md') && !anchorsOf(target).has(anchor)) {
        broken.push(`${link} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('finds links to check (the checker itself works)', () => {
    expect(linksOf(join(repo, 'README.md')).length).toBeGreaterThan(3);
    expect(slug('Live updates (WebSocket)')).toBe('live-updates-websocket');
    expect(slug('`npm run verify`')).toBe('npm-run-verify');
  });
});
