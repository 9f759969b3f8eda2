// Where the publish benchmark keeps its files under BENCH_DIR: the runners' tests use the same
// layout (test/bench.publish-runners.test.ts). The signing key has a folder of its own, away
// from every run's repository: the service refuses a key in a folder that holds its repository.
import { join } from 'node:path';

export const benchLayout = (benchDir: string) => ({
  /** Armored secret key for stubbuild's REPO_SIGNING_KEY. */
  secretKeyFile: join(benchDir, 'key', 'bench-secret.asc'),
  /** Every run's files (each tool's repository, database files, service data), removed at the start. */
  runsDir: join(benchDir, 'runs'),
});
