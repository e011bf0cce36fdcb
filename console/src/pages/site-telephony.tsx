import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { useLocation } from "wouter";
import { api, unwrap } from "../api/client";
import type { NumberAction, NumberQuery, NumberView, Site } from "../api/models";
import { type Column, DataTable } from "../components/data-table";
import { ExportButtons } from "../components/export-buttons";
import { SelectField } from "../components/fields";
import { Loading, Problem } from "../components/notices";
import { LockIcon, numberColumn, stateColumn } from "../components/number-cells";
import { Pager, useCursorTrail } from "../components/pager";
import { toFormErrors } from "../lib/form-errors";
import { formatDate } from "../lib/format";
import { useRefreshNumbers, whileAnyPending } from "../lib/pending";
import { useSession } from "../lib/session";
import { pickParams, useUrlParams } from "../lib/url-state";
import {
  AllocateDialog,
  requestSiteAction,
  type SiteParties,
  type SiteRequest,
  SiteRequestOutcome,
} from "./site-allocate";
import { SITE_FILTER_PARAMS, SiteFilters, siteQuery } from "./site-filters";
import { SiteServices } from "./site-services";

const PAGE_SIZE = 50;
/** The controls of seed 002's rows, offered only when `allowedActions` lists them. */
const ROW_ACTIONS: { action: NumberAction; label: string }[] = [
  { action: "allocate", label: "Allocate" },
  { action: "deallocate", label: "Deallocate" },
  { action: "activate", label: "Activate" },
  { action: "deactivate", label: "Deactivate" },
];

function useSites() {
  return useQuery({
    queryKey: ["sites", "choices"],
    queryFn: () => unwrap(api.GET("/v1/sites", { params: { query: { limit: 100 } } })),
  });
}

export function SiteTelephony({ siteId }: { siteId?: string }) {
  const sites = useSites();
  const [, navigate] = useLocation();
  const site = sites.data?.items.find((item) => item.id === siteId);
  return (
    <section>
      <h1 id="site-telephony-title">Site Telephony</h1>
      {sites.error ? <Problem error={sites.error} onRetry={() => sites.refetch()} /> : null}
      <SelectField
        label="Site"
        value={siteId ?? ""}
        onChange={(id) => navigate(id ? `/sites/${id}` : "/sites")}
        options={[
          { value: "", label: sites.isPending ? "Loading sites…" : "Choose a site" },
          ...(sites.data?.items ?? []).map((item) => ({ value: item.id, label: item.name })),
        ]}
      />
      {siteId && sites.data && !site ? (
        <p role="alert">This site is not among the sites you can see.</p>
      ) : null}
      {site ? <SiteNumbers key={site.id} site={site} /> : null}
    </section>
  );
}

function SiteNumbers({ site }: { site: Site }) {
  const session = useSession();
  const [params, update] = useUrlParams();
  const filters = pickParams(params, SITE_FILTER_PARAMS);
  const sort = params.get("sort") ?? "number";
  const trail = useCursorTrail(JSON.stringify([filters, sort]));
  const [allocating, setAllocating] = useState<NumberView | null>(null);
  const [request, setRequest] = useState<SiteRequest | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const parties: SiteParties = {
    operatorId: site.operatorId,
    operatorName: site.operatorName ?? "Operator",
    occupiers: site.occupiers,
  };
  const query: NumberQuery = {
    ...siteQuery(site.id, filters),
    sort: sort as NumberQuery["sort"],
    limit: PAGE_SIZE,
  };
  const page = useQuery({
    queryKey: ["numbers", "site", query, trail.cursor],
    queryFn: () => unwrap(api.GET("/v1/numbers", { params: { query: { ...query, cursor: trail.cursor } } })),
    placeholderData: keepPreviousData,
    refetchInterval: whileAnyPending,
  });
  const refresh = useRefreshNumbers();

  const act = useCallback(
    async (item: NumberView, action: NumberAction, label: string) => {
      setProblem(null);
      if (action === "allocate") {
        setAllocating(item);
        return;
      }
      try {
        const transitionId = await requestSiteAction(item.number, action);
        setRequest({ transitionId, number: item.number, verb: label });
        refresh();
      } catch (error) {
        setProblem(toFormErrors(error, []).general ?? null);
      }
    },
    [refresh],
  );

  const columns = useMemo<Column<NumberView>[]>(
    () => [
      numberColumn("Phone number"),
      { id: "extension", accessorFn: (row) => row.extension ?? "", header: "Extension", enableSorting: true },
      stateColumn("Status", refresh),
      {
        id: "allocatedTo",
        header: "Allocated to",
        accessorFn: (row) =>
          !row.ownerId ? "" : row.ownerId === site.operatorId ? "Operator" : (row.ownerName ?? ""),
      },
      {
        id: "cooldownUntil",
        accessorFn: (row) => formatDate(row.cooldownUntil),
        header: "Cooling off date",
        enableSorting: true,
      },
      { id: "mainNumber", accessorFn: (row) => (row.mainNumber ? "Main number" : ""), header: "Main number" },
      {
        id: "rangeName",
        accessorFn: (row) => row.rangeName ?? "",
        header: "Range name",
        enableSorting: true,
      },
      {
        id: "controls",
        header: "Controls",
        cell: ({ row }) => {
          // Seed 002: a number is allocated first, then activated (an unallocated one has nobody to activate for).
          const offered = ROW_ACTIONS.filter(
            ({ action }) =>
              row.original.allowedActions.includes(action) &&
              (action !== "activate" || row.original.ownerId !== null),
          );
          return (
            <span className="row-controls">
              {row.original.state === "locked" ? (
                <span title="Locked by the platform; contact us to change it">
                  <LockIcon /> <span className="visually-hidden">Locked</span>
                </span>
              ) : null}
              {offered.map(({ action, label }) => (
                <button key={action} type="button" onClick={() => act(row.original, action, label)}>
                  {label}
                </button>
              ))}
            </span>
          );
        },
      },
    ],
    [site.operatorId, refresh, act],
  );

  const rows = page.data?.items ?? [];
  return (
    <>
      <h2>{site.name}</h2>
      <p>
        Operator: {parties.operatorName}
        {site.occupiers.length > 0
          ? ` · Occupiers: ${site.occupiers.map((item) => item.name).join(", ")}`
          : ""}
      </p>
      <SiteFilters site={site} params={params} onApply={update} />
      {problem ? (
        <p role="alert" className="problem">
          {problem}
        </p>
      ) : null}
      {request ? <SiteRequestOutcome key={request.transitionId} request={request} /> : null}
      {page.error ? <Problem error={page.error} onRetry={() => page.refetch()} /> : null}
      {page.isPending ? <Loading what="the site's phone numbers" /> : null}
      <ExportButtons ticked={[]} wholeSearch={query} />
      <DataTable
        caption={`Phone numbers at ${site.name}`}
        columns={columns}
        rows={rows}
        getRowId={(row) => row.number}
        sort={sort}
        onSortChange={(next) => update({ sort: next === "number" ? null : next })}
        empty={page.isPending ? "" : "No phone numbers match."}
      />
      <Pager trail={trail} nextCursor={page.data?.nextCursor} shown={rows.length} />
      {allocating ? (
        <AllocateDialog
          number={allocating}
          parties={parties}
          onClose={() => setAllocating(null)}
          onRequested={(next) => {
            setAllocating(null);
            setRequest(next);
            refresh();
          }}
        />
      ) : null}
      <SiteServices
        siteId={site.id}
        parties={parties}
        mayManage={session.identity !== null && session.identity.role !== "viewer"}
        numbersVersion={rows.map((row) => `${row.number}@${row.version}`).join()}
      />
    </>
  );
}
