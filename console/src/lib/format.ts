/** How the console words the API's values; the values themselves stay as the API sends them. */

/** "2026-03-01 09:00 UTC": times are shown in UTC, as the API stores and e-mails them. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function formatDate(iso: string | null | undefined): string {
  return iso ? formatTime(iso).slice(0, 10) : "";
}

// One formatter for the page: toLocaleString builds a new one (locale data and all) on every call.
const COUNT_FORMAT = new Intl.NumberFormat("en");

export function formatCount(count: number | undefined): string {
  return count === undefined ? "" : COUNT_FORMAT.format(count);
}

/** "ported_out" → "Ported out". */
export function humanize(value: string): string {
  const words = value.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const STATES = ["available", "reserved", "locked", "assigned", "cooldown", "deleted"] as const;
export type State = (typeof STATES)[number];

export const DELETE_REASONS = [
  { value: "ported_out", label: "Ported out" },
  { value: "returned_to_vendor", label: "Returned to vendor" },
  { value: "faulty", label: "Faulty" },
] as const;

export const CAPABILITIES = [
  { value: "voice", label: "Voice" },
  { value: "sms", label: "SMS" },
  { value: "fax", label: "Fax" },
] as const;

export const RESERVATION_KINDS = [
  "manual",
  "charged",
  "allocation",
  "subscription_expired",
  "subscription_terminated",
  "swapped_out",
] as const;

/** A `datetime-local` value (read as UTC) → ISO-8601; "" stays undefined. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(`${value}Z`);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** ISO-8601 → a `datetime-local` value in UTC. */
export function isoToLocalInput(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 16) : "";
}
