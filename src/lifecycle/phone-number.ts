/**
 * E.164: "+" then 8 to 15 digits, the first not 0. Input may carry spaces, dashes, dots,
 * parentheses or lack the "+"; anything else cannot be a phone number.
 */
const SEPARATORS = /[\s\-().]/g;
const E164 = /^\+[1-9]\d{7,14}$/;

export function normalizeNumber(input: string): string | null {
  const compact = input.trim().replace(SEPARATORS, "");
  const withPlus = compact.startsWith("+") ? compact : `+${compact}`;
  return E164.test(withPlus) ? withPlus : null;
}
