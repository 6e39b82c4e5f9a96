import { AliasNode, DeleteQueryNode, InsertQueryNode, TableNode, UpdateQueryNode, type KyselyPlugin, type OperationNode } from 'kysely';

const tableName = (node: OperationNode | undefined): string | undefined => {
  if (node === undefined) return undefined;
  if (TableNode.is(node)) return node.table.identifier.name;
  if (AliasNode.is(node)) return tableName(node.node);
  return undefined;
};

function writtenTables(node: OperationNode): string[] {
  if (InsertQueryNode.is(node)) return [tableName(node.into)].filter((t) => t !== undefined);
  if (UpdateQueryNode.is(node)) return [tableName(node.table)].filter((t) => t !== undefined);
  if (DeleteQueryNode.is(node)) return node.from.froms.map(tableName).filter((t) => t !== undefined);
  return [];
}

/**
 * A Kysely plugin that calls `onWrite` as this process sends an insert, update or delete to one of `tables`:
 * the other processes learn of the change from the change feed once it commits, but this process must not
 * answer from a cache in between (read your own writes).
 */
export function watchWrites(tables: readonly string[], onWrite: () => void): KyselyPlugin {
  const watched = new Set(tables);
  return {
    transformQuery(args) {
      if (writtenTables(args.node).some((t) => watched.has(t))) onWrite();
      return args.node;
    },
    transformResult: (args) => Promise.resolve(args.result),
  };
}
