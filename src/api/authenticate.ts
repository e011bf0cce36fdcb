import type { FastifyRequest } from "fastify";
import { findApiKey } from "../db/api-keys.js";
import type { Scope } from "../db/scope.js";
import type { Dependencies } from "../dependencies.js";
import { AppError } from "../error-codes.js";
import type { Role } from "../lifecycle/states.js";
import { hashApiKey } from "../services/organizations.js";
import type { Principal } from "../services/principal.js";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal;
  }
}

export interface AuthenticatorOptions {
  /**
   * Also read the key from HTTP basic auth (the password). Only the queue dashboard allows it: a
   * browser replays a cached basic-auth login on every request to the host, including cross-site
   * ones, so on the API it would let another site act with the operator's key.
   */
  basicAuth?: boolean;
}

/** Resolves `Authorization: Bearer <key>` (or, where allowed, a basic-auth password) to a Principal. */
export function createAuthenticator(deps: Pick<Dependencies, "db">, options: AuthenticatorOptions = {}) {
  // One indexed lookup per request; no cache, so a deleted key stops working at once.
  async function resolveKey(key: string): Promise<Principal | null> {
    const record = await findApiKey(deps.db, hashApiKey(key));
    if (!record) return null;
    const role = record.role as Role;
    const scope = scopeOf(role, record.organizationId, record.organizationKind);
    if (!scope) return null;
    return {
      keyId: record.id,
      role,
      organizationId: record.organizationId,
      scope,
      actor: `api-key:${record.id}`,
    };
  }

  return async function authenticate(request: FastifyRequest): Promise<void> {
    const key = presentedKey(request.headers.authorization, options.basicAuth ?? false);
    if (!key) throw new AppError("unauthorized", "An API key is required: send Authorization: Bearer <key>.");
    const principal = await resolveKey(key);
    if (!principal) throw new AppError("unauthorized", "The API key is unknown or has been revoked.");
    request.principal = principal;
  };
}

function presentedKey(header: string | undefined, basicAuth: boolean): string | null {
  if (!header) return null;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!value) return null;
  if (scheme?.toLowerCase() === "bearer") return value;
  if (basicAuth && scheme?.toLowerCase() === "basic") {
    // Browsers log in to the dashboard with any user name and the key as password.
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const password = decoded.slice(decoded.indexOf(":") + 1);
    return password || null;
  }
  return null;
}

/**
 * What a key sees, from its role and its organisation's kind as they are now. A key whose role no
 * longer fits its organisation (a partner_admin without a partner) sees nothing at all rather
 * than falling back to a wider scope; creating keys and changing kinds keep this from happening.
 */
export function scopeOf(role: Role, organizationId: string | null, kind: string | null): Scope | null {
  if (role === "platform_admin") return organizationId ? null : { kind: "all" };
  if (!organizationId) return role === "viewer" ? { kind: "all" } : null;
  if (kind === "partner" && (role === "partner_admin" || role === "viewer"))
    return { kind: "partner", partnerId: organizationId };
  if (kind === "customer" && (role === "customer_admin" || role === "viewer"))
    return { kind: "customer", organizationId };
  return null;
}
