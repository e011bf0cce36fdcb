import { Link } from "wouter";
import type { NumberView } from "../api/models";
import { formatTime } from "../lib/format";
import type { Column } from "./data-table";
import { UpdateInProgress } from "./notices";

/** The number page's path; "+" is a plain character in a path segment. */
export const numberPath = (number: string) => `/numbers/${number}`;

function EyeIcon() {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12 5C6.5 5 2.7 9.4 1.5 12c1.2 2.6 5 7 10.5 7s9.3-4.4 10.5-7C21.3 9.4 17.5 5 12 5zm0 11.5A4.5 4.5 0 1 1 12 7.5a4.5 4.5 0 0 1 0 9zm0-7a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z"
      />
    </svg>
  );
}

export function LockIcon() {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M17 9h-1V7a4 4 0 0 0-8 0v2H7a2 2 0 0 0-2 2v9a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-9a2 2 0 0 0-2-2zm-7-2a2 2 0 0 1 4 0v2h-4V7z"
      />
    </svg>
  );
}

/** The seed's "Eye icon": opens the number's page. Named by the number itself. */
export function NumberLink({ number }: { number: string }) {
  return (
    <Link href={numberPath(number)} className="number-link" title={`View ${number}`}>
      <EyeIcon /> {number}
    </Link>
  );
}

/** The state, or "update in progress" (with Refresh) while a transition is pending. */
export function StateCell({ item, onRefresh }: { item: NumberView; onRefresh: () => void }) {
  return (
    <span className="state-cell">
      <span className={`state state-${item.state}`}>{item.state}</span>
      {item.state === "locked" ? <LockIcon /> : null}
      {item.pending ? (
        <>
          {" "}
          <UpdateInProgress onRefresh={onRefresh} />
        </>
      ) : null}
    </span>
  );
}

/** When the number's current hold ends: reservation, lock or cooldown. */
export function expiryOf(item: NumberView): string {
  return formatTime(item.reservation?.expiresAt ?? item.lock?.expiresAt ?? item.cooldownUntil ?? null);
}

/** The number column of every numbers table: sortable, the link to the number's page. */
export function numberColumn(header: string): Column<NumberView> {
  return {
    id: "number",
    accessorFn: (row) => row.number,
    header,
    enableSorting: true,
    cell: ({ row }) => <NumberLink number={row.original.number} />,
  };
}

/** The state column: sortable, "update in progress" with Refresh while pending. */
export function stateColumn(header: string, onRefresh: () => void): Column<NumberView> {
  return {
    id: "state",
    accessorFn: (row) => row.state,
    header,
    enableSorting: true,
    cell: ({ row }) => <StateCell item={row.original} onRefresh={onRefresh} />,
  };
}
