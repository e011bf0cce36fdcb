import { ApiError } from "../api/client";

/** Rule codes that are about one field of the form: their sentence is shown under that field. */
const CODE_FIELDS: Record<string, string> = {
  remark_required: "remark",
  owner_required: "ownerId",
  owner_mismatch: "ownerId",
  unknown_organization: "ownerId",
  not_at_site: "ownerId",
  reason_required: "reason",
  until_not_later: "until",
  subscription_required: "subscriptionId",
};

export interface FormErrors {
  /** The API's words under each field they concern. */
  fields: Record<string, string>;
  /** What concerns the whole request (a state, a rule, the service being away). */
  general?: string;
  /** The server was unreachable or busy: nothing happened, the same request may be sent again. */
  retry?: boolean;
}

/** "body.remark" / "remark" / "numbers.3.vendor" → the form's field name, when the form has it. */
function fieldOf(path: string | undefined, fields: readonly string[]): string | undefined {
  if (!path) return undefined;
  const parts = path.split(".").filter((part) => part !== "body" && part !== "querystring");
  return parts.reverse().find((part) => fields.includes(part));
}

/** Places an API refusal on the form: under the fields it names, or above the buttons. */
export function toFormErrors(error: unknown, fields: readonly string[]): FormErrors {
  if (!(error instanceof ApiError)) return { fields: {}, general: "Something went wrong; try again." };
  if (error.retryable)
    return {
      fields: {},
      general: `${error.message} What you typed is kept: send it again when ready.`,
      retry: true,
    };
  const byField: Record<string, string> = {};
  for (const detail of error.details) {
    const field = fieldOf(detail.field, fields);
    if (field && detail.message && !byField[field]) byField[field] = detail.message;
  }
  const codeField = CODE_FIELDS[error.code];
  if (codeField && fields.includes(codeField) && !byField[codeField]) byField[codeField] = error.message;
  const placed = Object.keys(byField).length > 0;
  return placed ? { fields: byField } : { fields: byField, general: error.message };
}
