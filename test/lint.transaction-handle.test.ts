// The project's lint rule: inside a transaction only the transaction handle is used.
import { describe, it } from 'node:test';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import rule from '../eslint-rules/transaction-handle.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;
const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' } });

tester.run('transaction-handle', rule, {
  valid: [
    'await inTransaction(db, async (trx) => { await trx.selectFrom("jobs").execute(); });',
    'await db.transaction().execute(async (trx) => trx.selectFrom("jobs").execute());',
    // another variable of the same name inside the callback is not the outer handle
    'await inTransaction(db, async (trx) => { const db = trx; await db.selectFrom("jobs").execute(); });',
    'await inTransaction(db, async (db) => { await db.selectFrom("jobs").execute(); });',
    'await db.selectFrom("jobs").execute(); await inTransaction(db, async (trx) => trx);',
  ],
  invalid: [
    {
      code: 'await inTransaction(db, async (trx) => { await trx.updateTable("jobs").execute(); await db.selectFrom("jobs").execute(); });',
      errors: [{ messageId: 'outerHandle', data: { handle: 'db', inner: 'trx' } }],
    },
    {
      code: 'await handle.db.transaction; await conn.transaction().setIsolationLevel("repeatable read").execute(async (trx) => { await helper(conn); });',
      errors: [{ messageId: 'outerHandle', data: { handle: 'conn', inner: 'trx' } }],
    },
    {
      // a nested callback inside the transaction is still inside it
      code: 'await inTransaction(db, async (trx) => { await Promise.all(ids.map((id) => db.deleteFrom("jobs").where("id", "=", id).execute())); });',
      errors: [{ messageId: 'outerHandle' }],
    },
  ],
});
