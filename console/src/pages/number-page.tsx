import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { api, unwrap } from "../api/client";
import type { NumberAction, NumberView } from "../api/models";
import { Loading, Problem, Status, UpdateInProgress } from "../components/notices";
import { LockIcon } from "../components/number-cells";
import { ACTION_FORMS, ACTION_ORDER } from "../lib/actions";
import { PENDING_POLL_MS } from "../lib/pending";
import { useSession } from "../lib/session";
import { ActionDialog, type Requested } from "./action-dialog";
import { NumberAttributes, NumberHistory } from "./number-details";
import { EditNumber } from "./number-edit";

function decodeNumber(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** What became of the last request made from this page (seed 001: "after a short delay…"). */
function Outcome({ requested }: { requested: Requested }) {
  const transition = useQuery({
    queryKey: ["transition", requested.transitionId],
    queryFn: () =>
      unwrap(api.GET("/v1/transitions/{id}", { params: { path: { id: requested.transitionId } } })),
    refetchInterval: (query) => (query.state.data?.status === "pending" ? PENDING_POLL_MS : false),
  });
  const label = ACTION_FORMS[requested.action].label;
  const status = transition.data?.status;
  if (status === "rejected")
    return (
      <p role="alert" className="problem">
        {label} was rejected: {transition.data?.error?.message}
      </p>
    );
  if (status === "applied") return <Status>{label} applied.</Status>;
  return <Status>{label} requested, waiting for it to be applied.</Status>;
}

export function NumberPage({ number: raw }: { number: string }) {
  const number = decodeNumber(raw);
  const session = useSession();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<NumberAction | "edit" | null>(null);
  const [requested, setRequested] = useState<Requested | null>(null);
  const [saved, setSaved] = useState(false);

  const shown = useQuery({
    queryKey: ["number", number],
    queryFn: () => unwrap(api.GET("/v1/numbers/{number}", { params: { path: { number } } })),
    refetchInterval: (query) => (query.state.data?.pending ? PENDING_POLL_MS : false),
  });
  const refresh = () => {
    queryClient.invalidateQueries({ queryKey: ["number", number] });
    queryClient.invalidateQueries({ queryKey: ["history", number] });
    queryClient.invalidateQueries({ queryKey: ["numbers"] });
  };

  if (shown.isPending) return <Loading what={number} />;
  if (shown.error)
    return (
      <section>
        <h1>{number}</h1>
        <Problem error={shown.error} onRetry={() => shown.refetch()} />
        <p>
          <Link href="/numbers">Back to Number Management</Link>
        </p>
      </section>
    );
  const item: NumberView = shown.data;
  const actions = ACTION_ORDER.filter((action) => item.allowedActions.includes(action));
  const mayEdit = session.mayEditNumbers && !item.pending;

  return (
    <section className="number-page">
      <p className="breadcrumb">
        <Link href="/numbers">Number Management</Link> › {item.number}
      </p>
      <h1 id="number-title">{item.number}</h1>
      <p className="number-state">
        <span className={`state state-${item.state}`}>{item.state}</span>
        {item.state === "locked" ? <LockIcon /> : null}
        {item.ownerName ? <span> for {item.ownerName}</span> : null}
        {item.pending ? (
          <>
            {" · "}
            <UpdateInProgress onRefresh={refresh} action={item.pending.action} />
          </>
        ) : null}
      </p>
      {requested ? <Outcome key={requested.transitionId} requested={requested} /> : null}
      {saved ? <Status>Changes saved.</Status> : null}

      {actions.length > 0 || mayEdit ? (
        <section aria-labelledby="actions-title" className="actions">
          <h2 id="actions-title">Action</h2>
          <div className="button-row">
            {actions.map((action) => (
              <button key={action} type="button" onClick={() => setOpen(action)}>
                {ACTION_FORMS[action].label}
              </button>
            ))}
            {mayEdit ? (
              <button type="button" onClick={() => setOpen("edit")}>
                Edit
              </button>
            ) : null}
          </div>
        </section>
      ) : null}

      {open && open !== "edit" ? (
        <ActionDialog
          number={item}
          action={open}
          onClose={() => setOpen(null)}
          onRequested={(next) => {
            setOpen(null);
            setSaved(false);
            setRequested(next);
            refresh();
          }}
        />
      ) : null}
      {open === "edit" ? (
        <EditNumber
          number={item}
          onClose={() => setOpen(null)}
          onSaved={(next) => {
            queryClient.setQueryData(["number", number], next);
            setOpen(null);
            setRequested(null);
            setSaved(true);
            refresh();
          }}
        />
      ) : null}

      <NumberAttributes item={item} />
      <NumberHistory number={number} version={item.version} />
    </section>
  );
}
