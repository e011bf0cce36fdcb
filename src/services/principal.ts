import type { Scope } from "../db/scope.js";
import { AppError } from "../error-codes.js";
import { mayRequest as roleMayRequest } from "../lifecycle/allowed-actions.js";
import type { Action, Role } from "../lifecycle/states.js";

/** Who is asking: an API key with its role, organisation and the numbers it may see. */
export interface Principal {
  keyId: string;
  role: Role;
  organizationId: string | null;
  scope: Scope;
  /** How history names this caller. */
  actor: string;
}

/** Role rules live with the life-cycle, so `allowedActions` and the API read one definition. */
export function mayRequest(principal: Principal, action: Action): boolean {
  return roleMayRequest(principal.role, action);
}

export function requirePlatformAdmin(principal: Principal): void {
  if (principal.role !== "platform_admin")
    throw new AppError("forbidden", "Only a platform_admin key may do this.");
}

export function requireWriter(principal: Principal): void {
  if (principal.role === "viewer") throw new AppError("forbidden", "A viewer key is read-only.");
}
