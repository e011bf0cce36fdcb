/**
 * CSV downloads are opened in spreadsheets, which run a cell that looks like a formula. A cell
 * that begins with `=`, `@`, a tab, a carriage return, or `+`/`-` not followed by a digit is
 * written with a leading `'` (CONTRACT), which spreadsheets show as text. E.164 numbers (`+65…`)
 * and signed amounts (`-5`) begin with a sign and a digit, so they stay as they are.
 */
export const FORMULA_START = /^(?:[=@\t\r]|[+-](?![0-9]))/;

/** The same rule as a Postgres regular expression, for CSV written by COPY. */
export const FORMULA_START_SQL = "^([=@\\t\\r]|[+-]([^0-9]|$))";

export function spreadsheetSafe(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** What an import reads back from a cell a download made safe: the leading `'` goes again. */
export function withoutSpreadsheetGuard(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}
