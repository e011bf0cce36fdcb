import type { QueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { NumberCounts, NumberQuery } from "../api/models";
import { pickParams } from "../lib/url-state";
import { FILTER_PARAMS } from "./number-filters";

/** Seed 004's tabs: one per state, plus everything and what is pending. */
export const TABS = [
  { value: "all", label: "All" },
  { value: "available", label: "Available" },
  { value: "reserved", label: "Reserved" },
  { value: "locked", label: "Locked" },
  { value: "assigned", label: "Assigned" },
  { value: "cooldown", label: "Cooldown" },
  { value: "deleted", label: "Deleted" },
  { value: "pending", label: "Pending" },
] as const;
export type Tab = (typeof TABS)[number]["value"];

const PAGE_SIZE = 50;

export function countFor(tab: Tab, counts: NumberCounts | undefined): number | undefined {
  if (!counts) return undefined;
  if (tab === "all") return counts.total;
  if (tab === "pending") return counts.pending;
  return counts.byState[tab];
}

export function tabFilter(tab: Tab): Pick<NumberQuery, "state" | "status"> {
  if (tab === "all") return {};
  if (tab === "pending") return { status: "pending" };
  return { state: tab };
}

/** The tab, sort and filters a Number Management URL asks for. */
export function readSearch(params: URLSearchParams) {
  const tab = (TABS.find((item) => item.value === params.get("tab"))?.value ?? "all") as Tab;
  const sort = params.get("sort") ?? "number";
  const filters = pickParams(params, FILTER_PARAMS) as NumberQuery;
  return { tab, sort, filters };
}

/** The page's two requests (the state counts, one page of numbers), keyed as the page reads them. */
export function numberManagementQueries(params: URLSearchParams, cursor?: string) {
  const { tab, sort, filters } = readSearch(params);
  const listQuery: NumberQuery = {
    ...filters,
    ...tabFilter(tab),
    sort: sort as NumberQuery["sort"],
    limit: PAGE_SIZE,
    cursor,
  };
  return {
    listQuery,
    counts: {
      queryKey: ["numbers", "counts", filters] as const,
      queryFn: () => unwrap(api.GET("/v1/numbers/counts", { params: { query: filters } })),
    },
    list: {
      queryKey: ["numbers", "list", listQuery] as const,
      queryFn: () => unwrap(api.GET("/v1/numbers", { params: { query: listQuery } })),
    },
  };
}

/**
 * Opening Number Management: its requests go out while the scripts still start the page (a
 * query's own fetch would wait for the first render's effects), under the same keys.
 */
export function preloadNumberManagement(queryClient: QueryClient, search: string) {
  const queries = numberManagementQueries(new URLSearchParams(search));
  void queryClient.prefetchQuery(queries.counts);
  void queryClient.prefetchQuery(queries.list);
}
