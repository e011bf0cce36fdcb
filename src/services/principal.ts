import type { Scope } from "../db/scope.js";
import { AppError } from "../error-codes.js";
import { type Action, REQUEST_ACTIONS, type RequestAction, type Role } from "../lifecycle/states.js";

/** Who is asking: an API key with its role, organisation and the numbers it may see. */
export interface Principal {
  keyId: string;
  role: Role;
  organizationId: string | null;
  scope: Scope;
  /** How history names this caller. */
  actor: string;
}

/** The operations team's own actions (docs/domain.md#organisations-and-roles); partners may request every other one. */
const PLATFORM_ONLY_ACTIONS: readonly Action[] = ["lock", "unlock", "delete", "recover"];
const CUSTOMER_ACTIONS: readonly Action[] = [
  "release",
  "activate",
  "deactivate",
  "assign_user",
  "unassign_user",
];

/** Lock, unlock, delete and recover belong to the platform's operations team. */
export function mayRequest(principal: Principal, action: Action): boolean {
  switch (principal.role) {
    case "platform_admin":
      return true;
    case "partner_admin":
      return REQUEST_ACTIONS.includes(action as RequestAction) && !PLATFORM_ONLY_ACTIONS.includes(action);
    case "customer_admin":
      return CUSTOMER_ACTIONS.includes(action);
    case "viewer":
      return false;
  }
}

export function requirePlatformAdmin(principal: Principal): void {
  if (principal.role !== "platform_admin")
    throw new AppError("forbidden", "Only a platform_admin key may do this.");
}

export function requireWriter(principal: Principal): void {
  if (principal.role === "viewer") throw new AppError("forbidden", "A viewer key is read-only.");
}
