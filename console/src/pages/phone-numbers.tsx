import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useEffect, useId, useMemo, useState } from "react";
import { api, unwrap } from "../api/client";
import type { NumberQuery, NumberView } from "../api/models";
import { type Column, DataTable } from "../components/data-table";
import { ExportButtons } from "../components/export-buttons";
import { SelectField } from "../components/fields";
import { Loading, Problem } from "../components/notices";
import { numberColumn, stateColumn } from "../components/number-cells";
import { Pager, useCursorTrail } from "../components/pager";
import { STATES } from "../lib/format";
import { organizationByName } from "../lib/organizations";
import { useRefreshNumbers, whileAnyPending } from "../lib/pending";
import { pickParams, useUrlParams } from "../lib/url-state";

const PAGE_SIZE = 50;
const FORM_ID = "phone-number-search";
const SEARCH_PARAMS = ["number", "usedBy", "company", "partner", "provider", "status"] as const;
type SearchParam = (typeof SEARCH_PARAMS)[number];

/** Seed 003's "Set Filter": numbers in use, numbers available, or all. */
const SET_FILTER = [
  { value: "", label: "All" },
  { value: "assigned", label: "Numbers Used" },
  { value: "available", label: "Numbers Available" },
];

const STATUS_OPTIONS = [
  { value: "", label: "Any status" },
  ...STATES.map((state) => ({ value: state, label: state })),
  { value: "pending", label: "Pending" },
];

const USED_BY_OPTIONS = [
  { value: "", label: "Anyone or no one" },
  { value: "assigned", label: "Assigned to a user" },
  { value: "unassigned", label: "Not assigned to a user" },
];

/** The per-column searches as the API's filters; company and partner names become their ids. */
async function toQuery(search: Partial<Record<SearchParam, string>>): Promise<NumberQuery> {
  const [ownerId, partnerId] = await Promise.all([
    search.company ? organizationByName(search.company) : undefined,
    search.partner ? organizationByName(search.partner, "partner") : undefined,
  ]);
  return {
    q: search.number,
    endUser: search.usedBy as NumberQuery["endUser"],
    vendor: search.provider,
    status: search.status as NumberQuery["status"],
    ownerId,
    partnerId,
  };
}

/** A search field under a column heading, labelled for screen readers (the heading shows above). */
function ColumnSearch({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <>
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      {children(id)}
    </>
  );
}

const usedBy = (item: NumberView) =>
  item.endUserId ?? (item.subscriptionId ? `Subscription ${item.subscriptionId}` : "");

/**
 * Seed 003's Phone Numbers page for partners and customers: the columns Number, Used by,
 * Company, Partner, Provider and Status; a search field under each heading; tick rows to export.
 */
export function PhoneNumbers() {
  const [params, update] = useUrlParams();
  const applied = pickParams(params, SEARCH_PARAMS);
  const sort = params.get("sort") ?? "number";
  const [draft, setDraft] = useState(applied);
  const signature = JSON.stringify(applied);
  // biome-ignore lint/correctness/useExhaustiveDependencies: show what is applied when the URL changes
  useEffect(() => setDraft(applied), [signature]);
  const trail = useCursorTrail(`${signature}${sort}`);
  const [ticked, setTicked] = useState<Record<string, true>>({});

  const page = useQuery({
    queryKey: ["numbers", "phone-numbers", applied, sort, trail.cursor],
    queryFn: async () => {
      const query = { ...(await toQuery(applied)), sort: sort as NumberQuery["sort"], limit: PAGE_SIZE };
      return unwrap(api.GET("/v1/numbers", { params: { query: { ...query, cursor: trail.cursor } } }));
    },
    placeholderData: keepPreviousData,
    refetchInterval: whileAnyPending,
  });
  const refresh = useRefreshNumbers();

  const columns = useMemo<Column<NumberView>[]>(
    () => [
      numberColumn("Number"),
      { id: "endUserId", accessorFn: usedBy, header: "Used by", enableSorting: true },
      { id: "ownerName", accessorFn: (row) => row.ownerName ?? "", header: "Company" },
      { id: "partnerName", accessorFn: (row) => row.partnerName ?? "", header: "Partner" },
      { id: "vendor", accessorFn: (row) => row.vendor, header: "Provider", enableSorting: true },
      stateColumn("Status", refresh),
    ],
    [refresh],
  );

  function search(event: FormEvent) {
    event.preventDefault();
    update(Object.fromEntries(SEARCH_PARAMS.map((name) => [name, draft[name]?.trim() ?? null])));
  }
  const set = (name: SearchParam) => (value: string) =>
    setDraft((current) => ({ ...current, [name]: value }));
  const textSearch = (name: SearchParam, label: string) => (
    <ColumnSearch label={`Search ${label}`}>
      {(id) => (
        <input
          id={id}
          form={FORM_ID}
          type="search"
          value={draft[name] ?? ""}
          onChange={(event) => set(name)(event.target.value)}
        />
      )}
    </ColumnSearch>
  );
  const selectSearch = (name: SearchParam, label: string, options: { value: string; label: string }[]) => (
    <ColumnSearch label={`Search ${label}`}>
      {(id) => (
        <select
          id={id}
          value={draft[name] ?? ""}
          onChange={(event) => update({ [name]: event.target.value || null })}
        >
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </ColumnSearch>
  );
  const rows = page.data?.items ?? [];

  return (
    <section>
      <h1 id="phone-numbers-title">Phone Numbers</h1>
      <form id={FORM_ID} className="toolbar" onSubmit={search} noValidate>
        <SelectField
          label="Set Filter"
          value={SET_FILTER.some((option) => option.value === applied.status) ? (applied.status ?? "") : ""}
          onChange={(value) => update({ status: value || null })}
          options={SET_FILTER}
        />
        <button type="submit" className="primary">
          Search
        </button>
        <button
          type="button"
          onClick={() => update(Object.fromEntries(SEARCH_PARAMS.map((name) => [name, null])))}
        >
          Clear
        </button>
        <ExportButtons ticked={Object.keys(ticked)} />
      </form>
      {page.error ? <Problem error={page.error} onRetry={() => page.refetch()} /> : null}
      {page.isPending ? <Loading what="phone numbers" /> : null}
      <DataTable
        caption="Phone numbers"
        columns={columns}
        rows={rows}
        getRowId={(row) => row.number}
        sort={sort}
        onSortChange={(next) => update({ sort: next === "number" ? null : next })}
        selection={{ selected: ticked, onChange: setTicked, rowLabel: (id) => `Select ${id}` }}
        searchRow={
          <tr className="search-row">
            <td />
            <td>{textSearch("number", "Number")}</td>
            <td>{selectSearch("usedBy", "Used by", USED_BY_OPTIONS)}</td>
            <td>{textSearch("company", "Company")}</td>
            <td>{textSearch("partner", "Partner")}</td>
            <td>{textSearch("provider", "Provider")}</td>
            <td>{selectSearch("status", "Status", STATUS_OPTIONS)}</td>
          </tr>
        }
        empty={page.isPending ? "" : "No phone numbers match."}
      />
      <Pager trail={trail} nextCursor={page.data?.nextCursor} shown={rows.length} />
    </section>
  );
}
