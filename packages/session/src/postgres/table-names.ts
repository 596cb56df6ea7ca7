import { InvalidArgumentError } from '@ferrite/core';
import { sql, type RawBuilder } from 'kysely';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
// PostgreSQL truncates identifiers at 63 bytes; the longest name we derive adds 30 characters.
const MAX_PREFIX_LENGTH = 33;

/**
 * Resolves the names of the session tables, indexes, constraints and functions: one schema and
 * a name prefix, validated once and turned into quoted identifiers for `sql` templates.
 */
export class TableNames {
  /** The PostgreSQL schema holding the tables. */
  readonly schema: string;
  /** The prefix of every table, index and constraint name. */
  readonly prefix: string;
  /** `schema.prefix + sessions` and the other tables, ready to embed in `sql` templates. */
  readonly sessions: RawBuilder<unknown>;
  /** The events table. */
  readonly events: RawBuilder<unknown>;
  /** The app-tier state table. */
  readonly appStates: RawBuilder<unknown>;
  /** The user-tier state table. */
  readonly userStates: RawBuilder<unknown>;

  constructor(schema: string, prefix: string) {
    if (!IDENTIFIER.test(schema) || schema.length > 63) {
      throw new InvalidArgumentError(
        `schema must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63 characters), got ${JSON.stringify(schema)}`,
      );
    }
    if (prefix !== '' && (!IDENTIFIER.test(prefix) || prefix.length > MAX_PREFIX_LENGTH)) {
      throw new InvalidArgumentError(
        `tablePrefix must be empty or a plain identifier of at most ${MAX_PREFIX_LENGTH} characters, got ${JSON.stringify(prefix)}`,
      );
    }
    this.schema = schema;
    this.prefix = prefix;
    this.sessions = this.table('sessions');
    this.events = this.table('events');
    this.appStates = this.table('app_states');
    this.userStates = this.table('user_states');
  }

  /** The prefixed name of a table, index or constraint (unqualified). */
  name(base: string): string {
    return `${this.prefix}${base}`;
  }

  /** A schema-qualified, quoted reference to a prefixed table. */
  table(base: string): RawBuilder<unknown> {
    return sql.id(this.schema, this.name(base));
  }

  /** A quoted, unqualified reference to a prefixed index or constraint name. */
  id(base: string): RawBuilder<unknown> {
    return sql.id(this.name(base));
  }
}
