import { type FormEvent, useState } from "react";
import { api, unwrap } from "../api/client";
import type { NumberAction, NumberView, TransitionBody } from "../api/models";
import { Dialog } from "../components/dialog";
import { CheckboxField, DialogFooter, SelectField, TextAreaField, TextField } from "../components/fields";
import { OrganizationPicker } from "../components/organization-picker";
import { ACTION_FORMS, type ActionField } from "../lib/actions";
import { type FormErrors, toFormErrors } from "../lib/form-errors";
import { DELETE_REASONS, localInputToIso } from "../lib/format";
import { newIdempotencyKey } from "../lib/idempotency";
import { NO_ORGANIZATION, type OrganizationChoice, resolveOrganization } from "../lib/organizations";
import { useSession } from "../lib/session";

export interface Requested {
  transitionId: string;
  action: NumberAction;
}

/**
 * The form of one action: only the fields it needs. Sent with an Idempotency-Key made when the
 * dialog opened, so sending again after a 503 or a lost answer cannot request it twice.
 */
export function ActionDialog({
  number,
  action,
  onClose,
  onRequested,
}: {
  number: NumberView;
  action: NumberAction;
  onClose: () => void;
  onRequested: (requested: Requested) => void;
}) {
  const session = useSession();
  const form = ACTION_FORMS[action];
  const fields = form.fields(number).filter((field) => field !== "permanent" || session.mayPreviewSweeps);
  const [idempotencyKey] = useState(newIdempotencyKey);
  const [owner, setOwner] = useState<OrganizationChoice>(NO_ORGANIZATION);
  const [remark, setRemark] = useState("");
  const [subscriptionId, setSubscriptionId] = useState("");
  const [until, setUntil] = useState("");
  const [reason, setReason] = useState("");
  const [endUserId, setEndUserId] = useState("");
  const [permanent, setPermanent] = useState(false);
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const has = (field: ActionField) => fields.includes(field);
  const required = (field: ActionField) => form.required.includes(field);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      const body: TransitionBody = { action };
      if (has("ownerId")) {
        const ownerId = await resolveOrganization(owner);
        if (ownerId) body.ownerId = ownerId;
      }
      if (has("remark") && remark.trim()) body.remark = remark;
      if (has("subscriptionId") && subscriptionId.trim()) body.subscriptionId = subscriptionId.trim();
      if (has("until") && until) body.until = localInputToIso(until);
      if (has("reason") && reason) body.reason = reason as TransitionBody["reason"];
      if (has("endUserId") && endUserId.trim()) body.endUserId = endUserId.trim();
      if (has("permanent") && permanent) body.permanent = true;
      const accepted = await unwrap(
        api.POST("/v1/numbers/{number}/transitions", {
          params: { path: { number: number.number }, header: { "idempotency-key": idempotencyKey } },
          body,
        }),
      );
      onRequested({ transitionId: accepted.id, action });
    } catch (error) {
      setErrors(toFormErrors(error, fields));
    } finally {
      setBusy(false);
    }
  }

  const error = (field: ActionField) => errors.fields[field];
  return (
    <Dialog title={`${form.label} ${number.number}`} onClose={onClose}>
      <form onSubmit={submit} noValidate className="dialog-form">
        {has("ownerId") ? (
          <OrganizationPicker
            label="Organisation (name or Org UUID)"
            value={owner}
            onChange={setOwner}
            error={error("ownerId")}
            hint="Type part of a name and choose from the list."
          />
        ) : null}
        {has("subscriptionId") ? (
          <TextField
            label={action === "extend" ? "DID Reservation UUID" : "Subscription UUID"}
            value={subscriptionId}
            onChange={setSubscriptionId}
            error={error("subscriptionId")}
            required={required("subscriptionId")}
          />
        ) : null}
        {has("until") ? (
          <TextField
            label={action === "lock" ? "Locked until (UTC)" : "Until (UTC)"}
            type="datetime-local"
            value={until}
            onChange={setUntil}
            error={error("until")}
            required={required("until")}
            hint={action === "lock" ? "Empty: the default lock period." : "The end of the paid period."}
          />
        ) : null}
        {has("permanent") ? (
          <CheckboxField
            label="Permanent (no expiry, no lock notices)"
            checked={permanent}
            onChange={setPermanent}
            error={error("permanent")}
          />
        ) : null}
        {has("reason") ? (
          <SelectField
            label="Reason"
            value={reason}
            onChange={setReason}
            options={[{ value: "", label: "Choose a reason" }, ...DELETE_REASONS]}
            error={error("reason")}
            required={required("reason")}
          />
        ) : null}
        {has("endUserId") ? (
          <TextField
            label="End user ID"
            value={endUserId}
            onChange={setEndUserId}
            error={error("endUserId")}
            required={required("endUserId")}
          />
        ) : null}
        {has("remark") ? (
          <TextAreaField
            label="Remark"
            value={remark}
            onChange={setRemark}
            error={error("remark")}
            required={required("remark")}
          />
        ) : null}
        <DialogFooter problem={errors.general} submit={form.submit} busy={busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
