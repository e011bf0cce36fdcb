import { z } from "zod";
import {
  CAPABILITIES,
  DELETE_REASONS,
  NUMBER_STATUSES,
  REQUEST_ACTIONS,
  RESERVATION_KINDS,
  STATES,
  TRANSITION_STATUSES,
} from "../lifecycle/states.js";

export const time = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
const instant = z.string();

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.array(z.unknown()) }),
});

/** Statuses every authenticated route may answer with the error body. */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  422: errorSchema,
  503: errorSchema,
};

export const numberSchema = z.object({
  number: z.string(),
  state: z.enum(STATES),
  status: z.enum(NUMBER_STATUSES),
  pending: z.object({ transitionId: z.string(), action: z.string(), since: instant }).nullable(),
  ownerId: z.string().nullable(),
  ownerName: z
    .string()
    .nullable()
    .describe("the owner's name; null when ownerId is, or when this key may not see it"),
  subscriptionId: z.string().nullable(),
  endUserId: z.string().nullable(),
  reservation: z
    .object({
      kind: z.enum(RESERVATION_KINDS),
      reservedAt: instant.nullable(),
      expiresAt: instant.nullable(),
    })
    .nullable(),
  lock: z
    .object({ lockedAt: instant.nullable(), expiresAt: instant.nullable(), remark: z.string().nullable() })
    .nullable(),
  cooldownUntil: instant.nullable(),
  deletedReason: z.enum(DELETE_REASONS).nullable(),
  vendor: z.string(),
  country: z.string(),
  sku: z.string(),
  capabilities: z.array(z.enum(CAPABILITIES)),
  routing: z.string().nullable(),
  golden: z.boolean(),
  portedIn: z.boolean(),
  visibleToDomain: z.string().nullable(),
  partnerId: z.string().nullable(),
  partnerName: z.string().nullable(),
  siteId: z.string().nullable(),
  siteName: z.string().nullable(),
  rangeName: z.string().nullable(),
  extension: z.string().nullable(),
  mainNumber: z.boolean(),
  settings: z.record(z.string(), z.unknown()),
  pinIsDefault: z.boolean(),
  createdAt: instant,
  updatedAt: instant,
  version: z.number().int(),
  timerPolicy: z
    .object({ country: z.string().nullable(), class: z.string().nullable() })
    .nullable()
    .describe(
      "The policy whose period set the running reservation, lock or cooldown; null when the configured default set it or no period did (docs/policies.md)",
    ),
  allowedActions: z
    .array(z.enum(REQUEST_ACTIONS))
    .describe(
      "the actions this key may request now; [] while pending and for a viewer. A listed action may still be rejected by a rule that depends on other rows (no_entitlement, main_number_taken, not_at_site, unknown_organization)",
    ),
});

export const snapshotSchema = z.record(z.string(), z.unknown()).nullable();

export const transitionSchema = z.object({
  id: z.string(),
  number: z.string(),
  action: z.string(),
  status: z.enum(TRANSITION_STATUSES),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  requestedAt: instant,
  finishedAt: instant.nullable(),
  before: snapshotSchema,
  after: snapshotSchema,
});

export const numberParams = z.object({ number: z.string().min(1).max(40) });
export const idParams = z.object({ id: z.uuid() });
