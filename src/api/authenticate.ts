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

/** Resolves `Authorization: Bearer <key>` (or a basic-auth password) to a Principal. */
export function createAuthenticator(deps: Pick<Dependencies, "db">) {
  // One indexed lookup per request; no cache, so a deleted key stops working at once.
  async function resolveKey(key: string): Promise<Principal | null> {
    const record = await findApiKey(deps.db, hashApiKey(key));
    if (!record) return null;
    const role = record.role;
    return {
      keyId: record.id,
      role,
      organizationId: record.organizationId,
      scope: scopeOf(role, record.organizationId, record.organizationKind),
      actor: `api-key:${record.id}`,
    };
  }

  return async function authenticate(request: FastifyRequest): Promise<void> {
    const key = presentedKey(request.headers.authorization);
    if (!key) throw new AppError("unauthorized", "An API key is required: send Authorization: Bearer <key>.");
    const principal = await resolveKey(key);
    if (!principal) throw new AppError("unauthorized", "The API key is unknown or has been revoked.");
    request.principal = principal;
  };
}

function presentedKey(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!value) return null;
  if (scheme?.toLowerCase() === "bearer") return value;
  if (scheme?.toLowerCase() === "basic") {
    // Browsers log in to the dashboard with any user name and the key as password.
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const password = decoded.slice(decoded.indexOf(":") + 1);
    return password || null;
  }
  return null;
}

function scopeOf(role: Role, organizationId: string | null, kind: string | null): Scope {
  if (role === "platform_admin" || !organizationId) return { kind: "all" };
  if (kind === "partner") return { kind: "partner", partnerId: organizationId };
  return { kind: "customer", organizationId };
}
