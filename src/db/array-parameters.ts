import { type RawBuilder, type SqlBool, sql } from "kysely";

/**
 * `column = ANY($1::type[])`: a whole list as one parameter. Postgres takes at most 65,535
 * parameters in a statement, so a list written one parameter per value (`IN ($1, $2, …)`) fails
 * past that size; this form is the same statement whatever the list's length.
 */
export function isAnyOf(
  column: string,
  values: readonly string[],
  type: "uuid" | "text",
): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(column)} = ANY(${values}::${sql.raw(type)}[])`;
}
