import type postgres from 'postgres';

/**
 * `COPY <target> FROM STDIN` of one text through postgres.js, settled by the server's answer
 * whichever way it goes. postgres.js 3.4.9 never settles its writable when the server refuses
 * the data after the end of the copy (porsager/postgres#1173, fix proposed in #1183): the
 * error reaches only the query's `reject`, long since resolved with the stream, so an awaited
 * pipeline hung for ever, holding its transaction, its connection and any lock taken in it.
 * Here the query's `reject` is taken over as well, so the COPY rejects with the server's own
 * error and the transaction around it rolls back.
 */
export async function copyText(
  tx: postgres.TransactionSql,
  statement: string,
  text: string,
): Promise<void> {
  const query = tx.unsafe(statement);
  const writable = await query.writable();
  await new Promise<void>((resolve, reject) => {
    (query as unknown as { reject: (error: Error) => void }).reject = reject;
    writable.once('error', reject);
    writable.end(text, (error?: Error | null) => (error ? reject(error) : resolve()));
  });
}
