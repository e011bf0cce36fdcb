import * as Tabs from "@radix-ui/react-tabs";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { lazy, Suspense, useMemo, useState } from "react";
import type { NumberView } from "../api/models";
import { type Column, DataTable } from "../components/data-table";
import { ExportButtons } from "../components/export-buttons";
import { Loading, Problem } from "../components/notices";
import { expiryOf, numberColumn, stateColumn } from "../components/number-cells";
import { Pager, useCursorTrail } from "../components/pager";
import { formatCount, formatTime } from "../lib/format";
import { useRefreshNumbers, whileAnyPending } from "../lib/pending";
import { useSession } from "../lib/session";
import { useUrlParams } from "../lib/url-state";
import { NumberFilters } from "./number-filters";
import { countFor, numberManagementQueries, readSearch, TABS, tabFilter } from "./number-management-queries";

const AddNumbers = lazy(() => import("./add-numbers").then((module) => ({ default: module.AddNumbers })));

export function NumberManagement() {
  const session = useSession();
  const [params, update] = useUrlParams();
  const { tab, sort, filters } = readSearch(params);
  const trail = useCursorTrail(JSON.stringify([tab, sort, filters]));
  const [ticked, setTicked] = useState<Record<string, true>>({});
  const [adding, setAdding] = useState(false);
  const queries = numberManagementQueries(params, trail.cursor);

  const counts = useQuery({ ...queries.counts, placeholderData: keepPreviousData });
  const query = queries.listQuery;
  const page = useQuery({
    ...queries.list,
    placeholderData: keepPreviousData,
    // A pending row settles by itself: look again while any is shown.
    refetchInterval: whileAnyPending,
  });
  const refresh = useRefreshNumbers();

  const columns = useMemo<Column<NumberView>[]>(
    () => [
      numberColumn("Number"),
      stateColumn("State", refresh),
      { id: "ownerName", accessorFn: (row) => row.ownerName ?? "", header: "Owner" },
      { id: "partnerName", accessorFn: (row) => row.partnerName ?? "", header: "Partner" },
      { id: "vendor", accessorFn: (row) => row.vendor, header: "Vendor", enableSorting: true },
      { id: "country", accessorFn: (row) => row.country, header: "Country", enableSorting: true },
      { id: "sku", accessorFn: (row) => row.sku, header: "SKU", enableSorting: true },
      { id: "capabilities", accessorFn: (row) => row.capabilities.join(", "), header: "Capabilities" },
      { id: "expires", accessorFn: expiryOf, header: "Expires" },
      {
        id: "updatedAt",
        accessorFn: (row) => formatTime(row.updatedAt),
        header: "Updated",
        enableSorting: true,
      },
    ],
    [refresh],
  );

  const rows = page.data?.items ?? [];
  return (
    <section>
      <div className="page-head">
        <h1 id="number-management-title">Number Management</h1>
        {session.mayAddNumbers ? (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add new numbers
          </button>
        ) : null}
      </div>
      {adding ? (
        <Suspense fallback={<Loading what="the form" />}>
          <AddNumbers onClose={() => setAdding(false)} onAdded={refresh} />
        </Suspense>
      ) : null}
      <NumberFilters params={params} onApply={(changes) => update(changes)} />
      <Tabs.Root
        value={tab}
        activationMode="manual"
        onValueChange={(value) => update({ tab: value === "all" ? null : value })}
      >
        <Tabs.List className="tabs" aria-label="States">
          {TABS.map((item) => {
            const count = countFor(item.value, counts.data);
            return (
              <Tabs.Trigger key={item.value} value={item.value} className="tab">
                {item.label}
                {count === undefined ? null : (
                  <span className="count" aria-hidden="true">
                    {formatCount(count)}
                  </span>
                )}
              </Tabs.Trigger>
            );
          })}
        </Tabs.List>
        <Tabs.Content value={tab} className="tab-panel">
          {page.error || counts.error ? (
            <Problem error={page.error ?? counts.error} onRetry={refresh} />
          ) : null}
          {page.isPending ? <Loading what="numbers" /> : null}
          <ExportButtons
            ticked={Object.keys(ticked)}
            wholeSearch={{ ...filters, ...tabFilter(tab), sort: query.sort }}
          />
          <DataTable
            caption={`Numbers: ${TABS.find((item) => item.value === tab)?.label}`}
            columns={columns}
            rows={rows}
            getRowId={(row) => row.number}
            sort={sort}
            onSortChange={(next) => update({ sort: next === "number" ? null : next })}
            selection={{ selected: ticked, onChange: setTicked, rowLabel: (id) => `Select ${id}` }}
            empty={page.isPending ? "" : "No numbers match."}
          />
          <Pager trail={trail} nextCursor={page.data?.nextCursor} shown={rows.length} />
        </Tabs.Content>
      </Tabs.Root>
    </section>
  );
}
