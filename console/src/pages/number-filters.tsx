import { type FormEvent, lazy, Suspense, useEffect, useState } from "react";
import { ApiError } from "../api/client";
import { CheckboxField, SelectField, TextField } from "../components/fields";
import { Loading } from "../components/notices";
import { CAPABILITIES, humanize, isoToLocalInput, localInputToIso, RESERVATION_KINDS } from "../lib/format";
import { type OrganizationChoice, resolveOrganization } from "../lib/organizations";
import type { ParamChanges } from "../lib/url-state";

// The combobox (and its library) loads only when "More filters" is opened.
const OrganizationPicker = lazy(() =>
  import("../components/organization-picker").then((module) => ({ default: module.OrganizationPicker })),
);

/** The search fields of seed 004, as the URL (and the API's query) names them. */
export const FILTER_PARAMS = [
  "q",
  "sku",
  "vendor",
  "country",
  "capability",
  "routing",
  "golden",
  "portedIn",
  "visibleToDomain",
  "subscriptionId",
  "ownerId",
  "partnerId",
  "reservationKind",
  "expiresBefore",
] as const;
export type FilterParam = (typeof FILTER_PARAMS)[number];

type Draft = Record<Exclude<FilterParam, "ownerId" | "partnerId">, string> & {
  owner: OrganizationChoice;
  partner: OrganizationChoice;
};

function draftFrom(params: URLSearchParams): Draft {
  const get = (name: string) => params.get(name) ?? "";
  return {
    q: get("q"),
    sku: get("sku"),
    vendor: get("vendor"),
    country: get("country"),
    capability: get("capability"),
    routing: get("routing"),
    golden: get("golden"),
    portedIn: get("portedIn"),
    visibleToDomain: get("visibleToDomain"),
    subscriptionId: get("subscriptionId"),
    reservationKind: get("reservationKind"),
    expiresBefore: isoToLocalInput(get("expiresBefore")),
    owner: { text: get("ownerId"), id: params.get("ownerId") },
    partner: { text: get("partnerId"), id: params.get("partnerId") },
  };
}

const advancedCount = (params: URLSearchParams) =>
  FILTER_PARAMS.filter((name) => name !== "q" && params.get(name)).length;

/**
 * The search box (number pattern) and, folded away, every other filter of the seed's search.
 * Submitting puts them in the URL; the table follows.
 */
export function NumberFilters({
  params,
  onApply,
}: {
  params: URLSearchParams;
  onApply: (changes: ParamChanges) => void;
}) {
  const [draft, setDraft] = useState<Draft>(() => draftFrom(params));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const signature = params.toString();
  // The URL changed elsewhere (Back, a tab): show what is applied.
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-read only when the applied search changes
  useEffect(() => setDraft(draftFrom(params)), [signature]);
  const set = (name: keyof Draft) => (value: string) =>
    setDraft((current) => ({ ...current, [name]: value }));

  async function apply(event: FormEvent) {
    event.preventDefault();
    try {
      const [ownerId, partnerId] = await Promise.all([
        resolveOrganization(draft.owner).catch((error) => {
          throw Object.assign(error, { field: "owner" });
        }),
        resolveOrganization(draft.partner, "partner").catch((error) => {
          throw Object.assign(error, { field: "partner" });
        }),
      ]);
      setErrors({});
      const { owner: _owner, partner: _partner, expiresBefore, ...rest } = draft;
      onApply({ ...rest, expiresBefore: localInputToIso(expiresBefore), ownerId, partnerId, cursor: null });
    } catch (error) {
      const field = (error as { field?: string }).field ?? "q";
      setErrors({ [field]: error instanceof ApiError ? error.message : "Check this field." });
    }
  }

  function clear() {
    setErrors({});
    onApply(Object.fromEntries([...FILTER_PARAMS, "cursor"].map((name) => [name, null])));
  }

  const folded = advancedCount(params);
  // Rendered only while open, so the first page does not load what the folded filters need.
  const [moreOpen, setMoreOpen] = useState(folded > 0);
  return (
    <search>
      <form className="search-form" onSubmit={apply} noValidate>
        <div className="search-line">
          <TextField
            label="Search"
            type="search"
            value={draft.q}
            onChange={set("q")}
            placeholder="65, +65*, *4567"
            hint="Digits match anywhere; +65 or 65* match the start; *4567 matches the end."
            error={errors.q}
          />
          <button type="submit" className="primary">
            Search
          </button>
          <button type="button" onClick={clear}>
            Clear
          </button>
        </div>
        <details
          className="more-filters"
          open={moreOpen}
          onToggle={(event) => setMoreOpen(event.currentTarget.open)}
        >
          <summary>More filters{folded > 0 ? ` (${folded} applied)` : ""}</summary>
          {moreOpen ? (
            <div className="filter-grid">
              <TextField label="SKU" value={draft.sku} onChange={set("sku")} />
              <SelectField
                label="Capability"
                value={draft.capability}
                onChange={set("capability")}
                options={[{ value: "", label: "Any" }, ...CAPABILITIES]}
              />
              <TextField label="Vendor" value={draft.vendor} onChange={set("vendor")} />
              <TextField label="Country" value={draft.country} onChange={set("country")} placeholder="SG" />
              <TextField label="Routing" value={draft.routing} onChange={set("routing")} />
              <TextField
                label="Visible to domain"
                value={draft.visibleToDomain}
                onChange={set("visibleToDomain")}
              />
              <TextField
                label="Subscription UUID"
                value={draft.subscriptionId}
                onChange={set("subscriptionId")}
              />
              <Suspense fallback={<Loading what="the organisation pickers" />}>
                <OrganizationPicker
                  key={`owner:${signature}`}
                  label="Owner"
                  value={draft.owner}
                  onChange={(owner) => setDraft((current) => ({ ...current, owner }))}
                  error={errors.owner}
                />
                <OrganizationPicker
                  key={`partner:${signature}`}
                  label="Partner"
                  kind="partner"
                  value={draft.partner}
                  onChange={(partner) => setDraft((current) => ({ ...current, partner }))}
                  error={errors.partner}
                />
              </Suspense>
              <SelectField
                label="Reservation kind"
                value={draft.reservationKind}
                onChange={set("reservationKind")}
                options={[
                  { value: "", label: "Any" },
                  ...RESERVATION_KINDS.map((kind) => ({ value: kind, label: humanize(kind) })),
                ]}
              />
              <TextField
                label="Expires before (UTC)"
                type="datetime-local"
                value={draft.expiresBefore}
                onChange={set("expiresBefore")}
              />
              <CheckboxField
                label="Golden"
                checked={draft.golden === "true"}
                onChange={(checked) => set("golden")(checked ? "true" : "")}
              />
              <CheckboxField
                label="Ported-In"
                checked={draft.portedIn === "true"}
                onChange={(checked) => set("portedIn")(checked ? "true" : "")}
              />
            </div>
          ) : null}
        </details>
      </form>
    </search>
  );
}
