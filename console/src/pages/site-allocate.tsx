import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, unwrap } from "../api/client";
import type { NumberAction, NumberView } from "../api/models";
import { Dialog } from "../components/dialog";
import { DialogFooter, SelectField } from "../components/fields";
import { Problem, Status } from "../components/notices";
import { type FormErrors, toFormErrors } from "../lib/form-errors";
import { newIdempotencyKey } from "../lib/idempotency";

export interface SiteParties {
  operatorId: string;
  operatorName: string;
  occupiers: { id: string; name: string }[];
}

/** A request made from the site page, followed until the worker applied or rejected it. */
export interface SiteRequest {
  transitionId: string;
  number: string;
  verb: string;
}

/** Asks for a transition; a form passes the key it made when it opened, so a retry acts once. */
export async function requestSiteAction(
  number: string,
  action: NumberAction,
  ownerId?: string,
  idempotencyKey = newIdempotencyKey(),
) {
  const accepted = await unwrap(
    api.POST("/v1/numbers/{number}/transitions", {
      params: { path: { number }, header: { "idempotency-key": idempotencyKey } },
      body: ownerId ? { action, ownerId } : { action },
    }),
  );
  return accepted.id;
}

/**
 * Seed 002's "Allocate phone number" dialog: to the operator, or to an occupier chosen by name.
 */
export function AllocateDialog({
  number,
  parties,
  onClose,
  onRequested,
}: {
  number: NumberView;
  parties: SiteParties;
  onClose: () => void;
  onRequested: (request: SiteRequest) => void;
}) {
  const [ownerId, setOwnerId] = useState(parties.operatorId);
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const [idempotencyKey] = useState(newIdempotencyKey);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      const transitionId = await requestSiteAction(number.number, "allocate", ownerId, idempotencyKey);
      onRequested({ transitionId, number: number.number, verb: "Allocate" });
    } catch (error) {
      setErrors(toFormErrors(error, ["ownerId"]));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={`Allocate phone number ${number.number}`} onClose={onClose}>
      <form onSubmit={submit} noValidate className="dialog-form">
        <SelectField
          label="Allocate to (the operator or an occupier)"
          value={ownerId}
          onChange={setOwnerId}
          options={[{ value: parties.operatorId, label: `${parties.operatorName} (operator)` }]}
          groups={[
            {
              label: "Occupiers",
              options: parties.occupiers.map((occupier) => ({ value: occupier.id, label: occupier.name })),
            },
          ]}
          error={errors.fields.ownerId}
          autoFocus
        />
        <DialogFooter problem={errors.general} submit="Submit" busy={busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

/** What became of a request from the site page: the API's sentence when it was rejected. */
export function SiteRequestOutcome({ request }: { request: SiteRequest }) {
  const transition = useQuery({
    queryKey: ["transition", request.transitionId],
    queryFn: () =>
      unwrap(api.GET("/v1/transitions/{id}", { params: { path: { id: request.transitionId } } })),
    refetchInterval: (query) => (query.state.data?.status === "pending" ? 1000 : false),
  });
  if (transition.error) return <Problem error={transition.error} />;
  const status = transition.data?.status;
  if (status === "rejected")
    return (
      <p role="alert" className="problem">
        {request.verb} {request.number} was rejected: {transition.data?.error?.message}
      </p>
    );
  if (status === "applied") return <Status>{`${request.verb} ${request.number}: done.`}</Status>;
  return <Status>{`${request.verb} ${request.number}: requested, waiting for it to be applied.`}</Status>;
}
