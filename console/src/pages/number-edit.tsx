import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, unwrap } from "../api/client";
import type { NumberEdit, NumberView } from "../api/models";
import { Dialog } from "../components/dialog";
import { CheckboxField, CheckboxGroup, DialogFooter, SelectField, TextField } from "../components/fields";
import { type FormErrors, toFormErrors } from "../lib/form-errors";
import { CAPABILITIES } from "../lib/format";

const TEXT_FIELDS = ["vendor", "sku", "routing", "visibleToDomain", "rangeName", "extension"] as const;
const EDIT_FIELDS = [...TEXT_FIELDS, "capabilities", "golden", "portedIn", "mainNumber", "siteId"];

type Draft = Record<(typeof TEXT_FIELDS)[number], string> & {
  capabilities: string[];
  golden: boolean;
  portedIn: boolean;
  mainNumber: boolean;
  siteId: string;
};

function draftOf(number: NumberView): Draft {
  return {
    vendor: number.vendor,
    sku: number.sku,
    routing: number.routing ?? "",
    visibleToDomain: number.visibleToDomain ?? "",
    rangeName: number.rangeName ?? "",
    extension: number.extension ?? "",
    capabilities: [...number.capabilities],
    golden: number.golden,
    portedIn: number.portedIn,
    mainNumber: number.mainNumber,
    siteId: number.siteId ?? "",
  };
}

/** Only what the person changed; an emptied optional field is cleared (null). */
function changes(before: Draft, after: Draft): NumberEdit {
  const edit: Record<string, unknown> = {};
  for (const field of TEXT_FIELDS)
    if (before[field] !== after[field])
      edit[field] = after[field] === "" && field !== "vendor" && field !== "sku" ? null : after[field];
  if ([...before.capabilities].sort().join() !== [...after.capabilities].sort().join())
    edit.capabilities = after.capabilities;
  for (const field of ["golden", "portedIn", "mainNumber"] as const)
    if (before[field] !== after[field]) edit[field] = after[field];
  if (before.siteId !== after.siteId) edit.siteId = after.siteId || null;
  return edit as NumberEdit;
}

/** PATCH /v1/numbers/{number}: correct a number's attributes (one `edit` history entry). */
export function EditNumber({
  number,
  onClose,
  onSaved,
}: {
  number: NumberView;
  onClose: () => void;
  onSaved: (saved: NumberView) => void;
}) {
  const [initial] = useState(() => draftOf(number));
  const [draft, setDraft] = useState(initial);
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const sites = useQuery({
    queryKey: ["sites", "choices"],
    queryFn: () => unwrap(api.GET("/v1/sites", { params: { query: { limit: 100 } } })),
  });
  const set =
    <K extends keyof Draft>(field: K) =>
    (value: Draft[K]) =>
      setDraft((current) => ({ ...current, [field]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const edit = changes(initial, draft);
    if (Object.keys(edit).length === 0) {
      setErrors({ fields: {}, general: "Nothing was changed." });
      return;
    }
    setBusy(true);
    try {
      onSaved(
        await unwrap(
          api.PATCH("/v1/numbers/{number}", { params: { path: { number: number.number } }, body: edit }),
        ),
      );
    } catch (error) {
      setErrors(toFormErrors(error, EDIT_FIELDS));
    } finally {
      setBusy(false);
    }
  }

  const siteOptions = [
    { value: "", label: "No site" },
    ...(sites.data?.items ?? []).map((site) => ({ value: site.id, label: site.name })),
  ];
  if (draft.siteId && !siteOptions.some((option) => option.value === draft.siteId))
    siteOptions.push({ value: draft.siteId, label: number.siteName ?? draft.siteId });
  const error = (field: string) => errors.fields[field];
  return (
    <Dialog title={`Edit ${number.number}`} onClose={onClose}>
      <form onSubmit={submit} noValidate className="dialog-form">
        <div className="filter-grid">
          <TextField label="Vendor" value={draft.vendor} onChange={set("vendor")} error={error("vendor")} />
          <TextField label="SKU" value={draft.sku} onChange={set("sku")} error={error("sku")} />
          <TextField
            label="Routing"
            value={draft.routing}
            onChange={set("routing")}
            error={error("routing")}
          />
          <TextField
            label="Visible to domain"
            value={draft.visibleToDomain}
            onChange={set("visibleToDomain")}
            error={error("visibleToDomain")}
          />
          <TextField
            label="Range name"
            value={draft.rangeName}
            onChange={set("rangeName")}
            error={error("rangeName")}
          />
          <TextField
            label="Extension"
            value={draft.extension}
            onChange={set("extension")}
            error={error("extension")}
          />
          <SelectField
            label="Site"
            value={draft.siteId}
            onChange={set("siteId")}
            options={siteOptions}
            error={error("siteId")}
          />
        </div>
        <CheckboxGroup
          label="Capabilities"
          values={draft.capabilities}
          onChange={set("capabilities")}
          options={CAPABILITIES}
          error={error("capabilities")}
        />
        <CheckboxField
          label="Golden"
          checked={draft.golden}
          onChange={set("golden")}
          error={error("golden")}
        />
        <CheckboxField
          label="Ported-In"
          checked={draft.portedIn}
          onChange={set("portedIn")}
          error={error("portedIn")}
        />
        <CheckboxField
          label="Main number"
          checked={draft.mainNumber}
          onChange={set("mainNumber")}
          error={error("mainNumber")}
        />
        <DialogFooter problem={errors.general} submit="Save" busy={busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
