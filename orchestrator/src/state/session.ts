// One database session shared by concurrent work (connections proceed independently, the monitor
// records alerts meanwhile). pg queues statements per client, but a transaction is several
// statements: without this, another task's statement could land inside it (and be rolled back
// with it). Transactions take the session exclusively; single statements wait for them.
import { Queryable } from '../probe/source-probe';

export class SerializedSession implements Queryable {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly raw: Queryable) {}

  query<R extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }> {
    return this.exclusive(() => this.raw.query<R>(text, values));
  }

  /** Runs `work` with the session to itself; `work` must use `raw`, not `query` (that would wait for itself). */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

const sessions = new WeakMap<object, SerializedSession>();

/** The one serialized wrapper of a session, shared by every store built on it. */
export function serializedSession(db: Queryable): SerializedSession {
  if (db instanceof SerializedSession) return db;
  let session = sessions.get(db);
  if (!session) {
    session = new SerializedSession(db);
    sessions.set(db, session);
  }
  return session;
}
