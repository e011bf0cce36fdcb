import type { NumberAction, NumberView } from "../api/models";

export type ActionField =
  | "ownerId"
  | "remark"
  | "subscriptionId"
  | "until"
  | "reason"
  | "endUserId"
  | "permanent";

interface ActionForm {
  /** The button on the number's page (seed 004's "Action" menu). */
  label: string;
  /** The dialog's submit button. */
  submit: string;
  fields: (number: NumberView) => ActionField[];
  /** Fields the life-cycle refuses to go without (marked required; the API still decides). */
  required: ActionField[];
}

const ownerUnlessOwned = (number: NumberView): ActionField[] => (number.ownerId ? [] : ["ownerId"]);

/** What each action asks for (seed 004's "Fill in the required information"). */
export const ACTION_FORMS: Record<NumberAction, ActionForm> = {
  reserve: {
    label: "Reserve",
    submit: "Reserve",
    fields: () => ["ownerId", "remark"],
    required: ["ownerId", "remark"],
  },
  extend: {
    label: "Extend reservation",
    submit: "Extend",
    fields: () => ["subscriptionId", "until", "remark"],
    required: ["subscriptionId", "until"],
  },
  release: { label: "Release", submit: "Release", fields: () => ["remark"], required: ["remark"] },
  allocate: {
    label: "Allocate",
    submit: "Allocate",
    fields: () => ["ownerId", "remark"],
    required: ["ownerId"],
  },
  deallocate: { label: "Deallocate", submit: "Deallocate", fields: () => ["remark"], required: [] },
  assign: {
    label: "Assign",
    submit: "Assign",
    fields: (number) => [...ownerUnlessOwned(number), "subscriptionId", "remark"],
    required: ["ownerId", "subscriptionId"],
  },
  activate: {
    label: "Activate",
    submit: "Activate",
    fields: (number) => [...ownerUnlessOwned(number), "remark"],
    required: ["ownerId"],
  },
  deactivate: { label: "Deactivate", submit: "Deactivate", fields: () => ["remark"], required: [] },
  assign_user: {
    label: "Assign user",
    submit: "Assign user",
    fields: () => ["endUserId", "remark"],
    required: ["endUserId"],
  },
  unassign_user: { label: "Unassign user", submit: "Unassign user", fields: () => ["remark"], required: [] },
  lock: {
    label: "Lock",
    submit: "Lock",
    fields: () => ["remark", "until", "permanent"],
    required: ["remark"],
  },
  unlock: { label: "Unlock", submit: "Unlock", fields: () => ["remark"], required: ["remark"] },
  delete: {
    label: "Delete",
    submit: "Delete",
    fields: () => ["reason", "remark"],
    required: ["reason", "remark"],
  },
  recover: { label: "Recover", submit: "Recover", fields: () => ["remark"], required: ["remark"] },
};

/** The buttons in the order a person reads the life-cycle. */
export const ACTION_ORDER = Object.keys(ACTION_FORMS) as NumberAction[];
