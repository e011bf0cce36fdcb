import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { api, unwrap } from "../api/client";
import type { NumberQuery, Site } from "../api/models";
import { SelectField, TextField } from "../components/fields";
import { STATES } from "../lib/format";
import type { ParamChanges } from "../lib/url-state";

/** Seed 002's header controls, as the URL names them. */
export const SITE_FILTER_PARAMS = [
  "status",
  "allocation",
  "occupier",
  "endUser",
  "mainNumber",
  "rangeName",
  "q",
] as const;
type SiteFilter = (typeof SITE_FILTER_PARAMS)[number];

/** The API's query for the site's numbers under these filters. */
export function siteQuery(siteId: string, filters: Partial<Record<SiteFilter, string>>): NumberQuery {
  const allocation =
    filters.allocation === "occupier" && filters.occupier
      ? filters.occupier
      : filters.allocation || undefined;
  return {
    siteId,
    status: filters.status as NumberQuery["status"],
    allocation,
    endUser: filters.endUser as NumberQuery["endUser"],
    mainNumber: filters.mainNumber as NumberQuery["mainNumber"],
    rangeName: filters.rangeName,
    q: filters.q,
  };
}

export function SiteFilters({
  site,
  params,
  onApply,
}: {
  site: Site;
  params: URLSearchParams;
  onApply: (changes: ParamChanges) => void;
}) {
  const get = (name: SiteFilter) => params.get(name) ?? "";
  // "You can only select statuses that are present in the unfiltered list" (seed 002).
  const counts = useQuery({
    queryKey: ["numbers", "counts", { siteId: site.id }],
    queryFn: () => unwrap(api.GET("/v1/numbers/counts", { params: { query: { siteId: site.id } } })),
  });
  const present = STATES.filter((state) => (counts.data?.byState[state] ?? 0) > 0 || get("status") === state);
  const [text, setText] = useState({ q: get("q"), rangeName: get("rangeName") });
  const signature = params.toString();
  // biome-ignore lint/correctness/useExhaustiveDependencies: show what is applied when the URL changes
  useEffect(() => setText({ q: get("q"), rangeName: get("rangeName") }), [signature]);
  const choose = (name: SiteFilter) => (value: string) => onApply({ [name]: value || null });

  function search(event: FormEvent) {
    event.preventDefault();
    onApply({ q: text.q.trim() || null, rangeName: text.rangeName.trim() || null });
  }

  return (
    <form className="site-filters" onSubmit={search} noValidate>
      <SelectField
        label="Status"
        value={get("status")}
        onChange={choose("status")}
        options={[
          { value: "", label: "All statuses" },
          ...present.map((state) => ({ value: state, label: state })),
          ...((counts.data?.pending ?? 0) > 0 || get("status") === "pending"
            ? [{ value: "pending", label: "Pending" }]
            : []),
        ]}
      />
      <SelectField
        label="Allocation"
        value={get("allocation")}
        onChange={(value) => onApply({ allocation: value || null, occupier: null })}
        options={[
          { value: "", label: "All allocations" },
          { value: "unallocated", label: "Unallocated" },
          { value: "operator", label: "Allocated to operator" },
          { value: "occupier", label: "Allocated to an occupier" },
        ]}
      />
      {get("allocation") === "occupier" ? (
        <SelectField
          label="Occupier"
          value={get("occupier")}
          onChange={choose("occupier")}
          options={[
            { value: "", label: "All occupiers" },
            ...site.occupiers.map((occupier) => ({ value: occupier.id, label: occupier.name })),
          ]}
        />
      ) : null}
      <SelectField
        label="End user"
        value={get("endUser")}
        onChange={choose("endUser")}
        options={[
          { value: "", label: "Show all" },
          { value: "assigned", label: "Assigned" },
          { value: "unassigned", label: "Unassigned" },
        ]}
      />
      <SelectField
        label="Main number"
        value={get("mainNumber")}
        onChange={choose("mainNumber")}
        options={[
          { value: "", label: "All numbers" },
          { value: "true", label: "Main numbers only" },
          { value: "false", label: "Other numbers" },
        ]}
      />
      <TextField
        label="Range name"
        value={text.rangeName}
        onChange={(rangeName) => setText((current) => ({ ...current, rangeName }))}
      />
      <TextField
        label="Phone number"
        type="search"
        value={text.q}
        onChange={(q) => setText((current) => ({ ...current, q }))}
        hint="The whole number or part of it, without spaces."
      />
      <button type="submit" className="primary">
        Search
      </button>
    </form>
  );
}
