import { SerializedSession, serializedSession } from './session';
import { Queryable, quoteIdentifier } from '../probe/source-probe';

/** Base of the stores: the database they talk to and quoted names of tables in their schema. */
export abstract class SchemaTables {
  protected readonly schemaSql: string;
  /** Statements outside transactions; serialized with the other stores on the same session. */
  protected readonly db: SerializedSession;

  constructor(
    db: Queryable,
    readonly schema: string,
  ) {
    this.db = serializedSession(db);
    this.schemaSql = quoteIdentifier(schema);
  }

  /** BEGIN … COMMIT with the session to ourselves: `work` gets the raw session to run its statements on. */
  protected transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const tx = this.db.raw;
    return this.db.exclusive(async () => {
      await tx.query('BEGIN');
      try {
        const result = await work(tx);
        await tx.query('COMMIT');
        return result;
      } catch (error) {
        await tx.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** `"schema"."name"`, both quoted: the only way table names enter the stores' SQL. */
  protected table(name: string): string {
    return `${this.schemaSql}.${quoteIdentifier(name)}`;
  }
}
