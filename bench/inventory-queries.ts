/** The questions the inventory benchmarks ask, rotating deterministically so two runs ask the same. */

/** Deterministic "random" digits, so two runs ask the same questions. */
export const digits = (index: number, length: number) =>
  String((index * 7919 + 12345) % 10 ** length).padStart(length, "0");
export const pick = <T>(values: readonly T[], index: number) => values[index % values.length]!;
export const STATES = ["locked", "available", "cooldown", "reserved", "deleted", "assigned"] as const;
export const VENDORS = ["singtel", "telstra", "bt", "twilio", "pccw", "colt", "optus", "m1"];
export const PREFIXES = ["+6562", "+6134", "+4420", "+1555", "+85291", "+6588", "+6048", "+4930"];
/** The partner whose key measures a partner's scope (one of the 20 the generator makes). */
export const BENCH_PARTNER_ID = "00000000-0000-4000-8000-000000000003";

/** The hot searches, as query strings of `GET /v1/numbers`. */
export const SEARCHES: Record<string, (index: number) => string> = {
  "state filter": (i) => `state=${pick(STATES, i)}`,
  "q prefix (+6562*)": (i) => `q=${encodeURIComponent(`${pick(PREFIXES, i)}*`)}`,
  "q substring (4 digits)": (i) => `q=${digits(i, 4)}`,
  "q suffix (*4 digits)": (i) => `q=*${digits(i, 4)}`,
  "vendor+state": (i) => `vendor=${pick(VENDORS, i)}&state=${pick(STATES, i + 1)}`,
  "sort -updatedAt page 1": () => "sort=-updatedAt",
  "golden + country": (i) => `golden=true&country=${pick(["SG", "AU", "GB", "US"], i)}`,
};
