export const RULE_CODES = [
  "remark_required",
  "owner_required",
  "owner_mismatch",
  "unknown_organization",
  "subscription_required",
  "until_not_later",
  "in_cooldown",
  "main_number_taken",
  "no_entitlement",
  "assigned_to_end_user",
  "activated",
  "not_at_site",
  "reason_required",
  "too_many_numbers",
  "url_not_allowed",
  "idempotency_key_reused",
  /** An organisation's kind cannot change while keys, customers, numbers or sites depend on it. */
  "organization_in_use",
  "below_legal_minimum",
  "too_many_webhooks",
] as const;

/**
 * Why one item of a batch was refused (`details[].code` of `POST /v1/numbers`, the `code` column
 * of an import's rejects file); other items may be refused with any code above.
 */
export const ITEM_CODES = [
  "malformed_number",
  "duplicate_in_request",
  "already_exists",
  "duplicate_in_file",
  "malformed_row",
  "refused_by_database",
  /** An import row with a control character in a cell. */
  "control_character",
  /** An import record longer than the limit (a quote never closed): reading stops there. */
  "record_too_long",
] as const;

export const ERROR_CODES = [
  "validation_failed",
  "unauthorized",
  "forbidden",
  "not_found",
  "update_in_progress",
  "invalid_state",
  "unavailable",
  "internal_error",
  /** A per-process limit is full (e.g. downloads running at once); retry shortly. */
  "too_many_requests",
  ...RULE_CODES,
  ...ITEM_CODES,
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
export type RuleCode = (typeof RULE_CODES)[number];
export type ItemCode = (typeof ITEM_CODES)[number];

export const HTTP_STATUS = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  update_in_progress: 409,
  invalid_state: 409,
  unavailable: 503,
  internal_error: 500,
  too_many_requests: 429,
  remark_required: 422,
  owner_required: 422,
  owner_mismatch: 422,
  unknown_organization: 422,
  subscription_required: 422,
  until_not_later: 422,
  in_cooldown: 422,
  main_number_taken: 422,
  no_entitlement: 422,
  assigned_to_end_user: 422,
  activated: 422,
  not_at_site: 422,
  reason_required: 422,
  too_many_numbers: 422,
  url_not_allowed: 422,
  idempotency_key_reused: 422,
  organization_in_use: 422,
  // Item codes travel in the details of a 422; alone they would be one too.
  malformed_number: 422,
  duplicate_in_request: 422,
  already_exists: 422,
  duplicate_in_file: 422,
  malformed_row: 422,
  refused_by_database: 422,
  control_character: 422,
  record_too_long: 422,
  below_legal_minimum: 422,
  too_many_webhooks: 422,
} as const satisfies Record<ErrorCode, number>;

/** The status of a request whose items were refused (all or nothing), whatever its code. */
const ITEMS_REFUSED_STATUS = 422;

/** A refusal a caller can act on: it carries the contract's code and a sentence for a person. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): number {
    return HTTP_STATUS[this.code];
  }
}

/** One refused item of a batch: its position, the number as given, why. */
export interface ItemRefusal {
  index: number;
  number: string | null;
  code: ErrorCode;
  message: string;
}

/**
 * Items of an all-or-nothing batch were refused, so nothing was done: `details` lists each with
 * its own code. The request itself was well-formed, hence 422 rather than 400.
 */
export class ItemsRefused extends AppError {
  constructor(message: string, refusals: ItemRefusal[]) {
    super("validation_failed", message, refusals);
    this.name = "ItemsRefused";
  }

  override get status(): number {
    return ITEMS_REFUSED_STATUS;
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} was not found.`);
