import { useInfiniteQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { HistoryEntry, NumberView } from "../api/models";
import { Loading, Problem } from "../components/notices";
import { formatTime, humanize } from "../lib/format";

const yesNo = (value: boolean) => (value ? "Yes" : "No");

/** A name with the id behind it, both as text. */
function Named({ name, id }: { name: string | null; id: string | null }) {
  if (!id) return <>—</>;
  return (
    <>
      {name ?? "(name not shown)"} <span className="muted id">{id}</span>
    </>
  );
}

export function NumberAttributes({ item }: { item: NumberView }) {
  const rows: [string, ReactNode][] = [
    ["State", item.state],
    ["Owner", <Named key="owner" name={item.ownerName} id={item.ownerId} />],
    ["Partner", <Named key="partner" name={item.partnerName} id={item.partnerId} />],
    ["Site", <Named key="site" name={item.siteName} id={item.siteId} />],
    ["Subscription", item.subscriptionId ?? "—"],
    ["End user", item.endUserId ?? "—"],
    [
      "Reservation",
      item.reservation
        ? `${humanize(item.reservation.kind)}, reserved ${formatTime(item.reservation.reservedAt)}, ${
            item.reservation.expiresAt ? `expires ${formatTime(item.reservation.expiresAt)}` : "no expiry"
          }`
        : "—",
    ],
    [
      "Lock",
      item.lock
        ? `Locked ${formatTime(item.lock.lockedAt)}, ${
            item.lock.expiresAt ? `expires ${formatTime(item.lock.expiresAt)}` : "no expiry"
          }${item.lock.remark ? ` — ${item.lock.remark}` : ""}`
        : "—",
    ],
    ["Cooling off until", formatTime(item.cooldownUntil) || "—"],
    ["Deleted reason", item.deletedReason ? humanize(item.deletedReason) : "—"],
    ["Vendor", item.vendor],
    ["Country", item.country],
    ["SKU", item.sku],
    ["Capabilities", item.capabilities.join(", ") || "—"],
    ["Routing", item.routing ?? "—"],
    ["Golden", yesNo(item.golden)],
    ["Ported-In", yesNo(item.portedIn)],
    ["Visible to domain", item.visibleToDomain ?? "—"],
    ["Range name", item.rangeName ?? "—"],
    ["Extension", item.extension ?? "—"],
    ["Main number", yesNo(item.mainNumber)],
    ["PIN", item.pinIsDefault ? "Default PIN" : "Set"],
    ["Added", formatTime(item.createdAt)],
    ["Updated", formatTime(item.updatedAt)],
  ];
  return (
    <section aria-labelledby="attributes-title">
      <h2 id="attributes-title">Details</h2>
      <dl className="attributes">
        {rows.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function show(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** "state: available → reserved; ownerId: — → 9a1c…": the fields a history entry changed. */
function changesOf(entry: HistoryEntry): string[] {
  const before = (entry.before ?? {}) as Record<string, unknown>;
  const after = (entry.after ?? {}) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return fields
    .filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]))
    .map((field) => `${field}: ${show(before[field])} → ${show(after[field])}`);
}

/** A number's history, oldest first, a page of 100 at a time: later pages on request. */
export function NumberHistory({ number, version }: { number: string; version: number }) {
  const history = useInfiniteQuery({
    queryKey: ["history", number, version],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/v1/numbers/{number}/history", {
          params: { path: { number }, query: pageParam ? { cursor: pageParam } : {} },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const entries = history.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {history.isPending ? <Loading what="history" /> : null}
      {history.error ? (
        <Problem
          error={history.error}
          onRetry={() => (history.data ? history.fetchNextPage() : history.refetch())}
        />
      ) : null}
      {history.data ? (
        <div className="table-scroll">
          <table className="data-table history">
            <caption className="visually-hidden">History of {number}, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">At</th>
                <th scope="col">Action</th>
                <th scope="col">By</th>
                <th scope="col">Remark</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: entries have no id of their own and never reorder
                <tr key={index}>
                  <td>{formatTime(entry.at)}</td>
                  <td>{entry.action}</td>
                  <td>{entry.actor}</td>
                  <td>{entry.remark ?? ""}</td>
                  <td>
                    <ul className="changes">
                      {changesOf(entry).map((change) => (
                        <li key={change}>{change}</li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {history.hasNextPage ? (
        <button type="button" onClick={() => history.fetchNextPage()} disabled={history.isFetchingNextPage}>
          {history.isFetchingNextPage ? "Loading later entries…" : "Show later entries"}
        </button>
      ) : null}
    </section>
  );
}
