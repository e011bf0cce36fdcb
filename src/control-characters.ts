/**
 * Text fields refuse control characters: NUL and the other C0 codes, but tab, line feed and
 * carriage return (CONTRACT). Postgres cannot store NUL in text at all, and the others are never
 * meant in a name, a remark or an id; refusing them at the edge keeps them out of every store,
 * log and e-mail.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding these characters is the point
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/** The first refused control character in `text` as `U+00XX`, or null when there is none. */
export function controlCharacterIn(text: string): string | null {
  const found = CONTROL_CHARACTER.exec(text);
  if (!found) return null;
  return `U+${found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

export const hasControlCharacter = (text: string) => CONTROL_CHARACTER.test(text);
