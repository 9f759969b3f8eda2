// Inside a transaction only the transaction handle is used. The outer handle takes another
// connection (on PostgreSQL it waits for locks the transaction holds), and on PGlite, which
// runs every query on one connection, it deadlocks outright.
//
// Recognises inTransaction(db, async (trx) => …) and db.transaction().execute(async (trx) => …):
// inside the callback, a reference to the outer handle is reported.

/** The outer handle and the callback of a transaction call, or undefined. */
function transactionOf(node) {
  const callee = node.callee;
  if (callee.type === 'Identifier' && callee.name === 'inTransaction') {
    const [handle, callback] = node.arguments;
    if (handle?.type === 'Identifier' && isFunction(callback)) return { handle: handle.name, callback };
  }
  // <handle>.transaction()[.setIsolationLevel(…)].execute(callback)
  if (callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && callee.property.name === 'execute') {
    let object = callee.object;
    while (object?.type === 'CallExpression' && object.callee.type === 'MemberExpression') {
      const name = object.callee.property.type === 'Identifier' ? object.callee.property.name : '';
      if (name === 'transaction' && object.callee.object.type === 'Identifier') {
        const callback = node.arguments[0];
        if (isFunction(callback)) return { handle: object.callee.object.name, callback };
        return undefined;
      }
      object = object.callee.object;
    }
  }
  return undefined;
}

function isFunction(node) {
  return node?.type === 'ArrowFunctionExpression' || node?.type === 'FunctionExpression';
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'inside a transaction, use only the transaction handle' },
    messages: {
      outerHandle: '`{{handle}}` is the handle outside the transaction; inside it use `{{inner}}` (the outer one deadlocks on PGlite)',
    },
    schema: [],
  },
  create(context) {
    return {
      CallExpression(node) {
        const transaction = transactionOf(node);
        if (!transaction) return;
        const param = transaction.callback.params[0];
        const inner = param?.type === 'Identifier' ? param.name : 'the transaction handle';
        // Every reference inside the callback to the name of the outer handle, unless the name
        // is declared again inside it.
        const visit = (scope) => {
          for (const reference of scope.references) {
            if (reference.identifier.name !== transaction.handle) continue;
            const variable = reference.resolved;
            if (variable && isInside(variable.scope.block, transaction.callback)) continue;
            context.report({ node: reference.identifier, messageId: 'outerHandle', data: { handle: transaction.handle, inner } });
          }
          for (const child of scope.childScopes) visit(child);
        };
        visit(context.sourceCode.getScope(transaction.callback));
      },
    };
  },
};

function isInside(node, container) {
  return node.range[0] >= container.range[0] && node.range[1] <= container.range[1];
}
