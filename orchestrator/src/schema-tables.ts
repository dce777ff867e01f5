import { Queryable, quoteIdentifier } from './source-probe';

/** Base of the stores: the database they talk to and quoted names of tables in their schema. */
export abstract class SchemaTables {
  protected readonly schemaSql: string;

  constructor(
    protected readonly db: Queryable,
    readonly schema: string,
  ) {
    this.schemaSql = quoteIdentifier(schema);
  }

  /** `"schema"."name"`, both quoted: the only way table names enter the stores' SQL. */
  protected table(name: string): string {
    return `${this.schemaSql}.${quoteIdentifier(name)}`;
  }
}
