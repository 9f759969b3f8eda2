// A suite's contents generation: every change to its rows is made holding the suite's row lock
// and is numbered by the next generation, so a publication knows exactly what it shows.
import type { Db } from '../../db/in-transaction.ts';

/** Takes the suite's row lock (until the transaction ends) and returns its current generation. */
export async function lockSuite(trx: Db, suite: string): Promise<number> {
  const locked = await trx.selectFrom('repo_suites').select('generation').where('suite', '=', suite).forUpdate().executeTakeFirstOrThrow();
  return Number(locked.generation);
}

export async function setSuiteGeneration(trx: Db, suite: string, generation: number): Promise<void> {
  await trx.updateTable('repo_suites').set({ generation }).where('suite', '=', suite).execute();
}
