import { execFileSync, spawnSync } from 'node:child_process';

// Network namespaces joined to this one by veth pairs: app processes "on other machines",
// whose links can be cut (`ip link set … down`) and restored. Needs root and iproute2: a
// local run without them skips loudly; under CI=true (root, .ci/run installs iproute2) a
// missing one fails.

export const netnsMissing = (): boolean => {
  const why =
    process.getuid?.() !== 0
      ? 'network namespaces need root'
      : spawnSync('ip', ['-V']).status !== 0
        ? 'iproute2 (`ip`) is not installed: apt-get install -y iproute2'
        : undefined;
  if (why === undefined) return false;
  if (process.env.CI === 'true') throw new Error(`${why} (CI runs as root; .ci/run installs iproute2)`);
  console.warn(`\n!!! SKIPPING the network-namespace tests: ${why}\n`);
  return true;
};

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

/** A link between this namespace (`hostAddress`) and the namespace (`nsAddress`), /24. */
export type Link = { hostAddress: string; nsAddress: string; down(): void; up(): void };

export type Namespace = {
  name: string;
  /** `ip netns exec <name>`: run a command inside. */
  exec: string[];
  link(subnet: string): Link;
  remove(): void;
};

/** `subnet` like `10.201.1`: this side gets .1, the namespace .2. */
export const createNamespace = (name: string): Namespace => {
  ip('netns', 'add', name);
  ip('-n', name, 'link', 'set', 'lo', 'up');
  const pairs: string[] = [];
  return {
    name,
    exec: ['ip', 'netns', 'exec', name],
    link: (subnet) => {
      const outside = `${name.slice(0, 9)}o${pairs.length}`;
      const inside = `${name.slice(0, 9)}i${pairs.length}`;
      pairs.push(outside);
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      ip('link', 'set', inside, 'netns', name);
      ip('addr', 'add', `${subnet}.1/24`, 'dev', outside);
      ip('link', 'set', outside, 'up');
      ip('-n', name, 'addr', 'add', `${subnet}.2/24`, 'dev', inside);
      ip('-n', name, 'link', 'set', inside, 'up');
      return {
        hostAddress: `${subnet}.1`,
        nsAddress: `${subnet}.2`,
        down: () => void ip('link', 'set', outside, 'down'),
        up: () => void ip('link', 'set', outside, 'up'),
      };
    },
    remove: () => {
      for (const outside of pairs) spawnSync('ip', ['link', 'del', outside]);
      spawnSync('ip', ['netns', 'del', name]);
    },
  };
};
