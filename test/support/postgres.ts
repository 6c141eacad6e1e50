import { createServer } from 'node:net';
import { type Cluster, findPgBin, INSTALL_HINT, startCluster } from '../../bench/baseline/postgres-cluster.js';

// A throwaway PostgreSQL server for a test file, from Debian's binaries (the bench's
// helper): initdb in a temp dir, on 127.0.0.1 and a free port. Without the binaries a local
// run skips the PostgreSQL tests loudly; under CI=true (.ci/run installs postgresql) a
// missing server is a failure, never a silent pass.

export type { Cluster } from '../../bench/baseline/postgres-cluster.js';

export const postgresMissing = (): boolean => {
  if (findPgBin() !== undefined) return false;
  if (process.env.CI === 'true') throw new Error(`PostgreSQL is missing under CI=true. ${INSTALL_HINT}`);
  console.warn(`\n!!! SKIPPING the PostgreSQL tests: ${INSTALL_HINT}\n`);
  return true;
};

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

export const startPostgres = async (): Promise<Cluster> => startCluster(await freePort(), { tcp: true });

/** A fresh schema name: each test gets an empty log on the one server. */
let counter = 0;
export const freshSchema = (): string => {
  counter += 1;
  return `t_${process.pid}_${Date.now().toString(36)}_${counter}`;
};
