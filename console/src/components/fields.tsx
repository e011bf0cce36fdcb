import { type ReactNode, useId } from "react";

interface FieldProps {
  label: string;
  /** The API's sentence about this field, shown under it. */
  error?: string | undefined;
  hint?: string | undefined;
  required?: boolean;
}

/** The ids a control needs so a screen reader reads its hint and error with it. */
export function useFieldIds(error?: string, hint?: string) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  return { id, errorId, hintId, describedBy };
}

export function FieldNotes({
  error,
  hint,
  errorId,
  hintId,
}: FieldProps & { errorId: string; hintId: string }) {
  return (
    <>
      {hint ? (
        <span className="field-hint" id={hintId}>
          {hint}
        </span>
      ) : null}
      {error ? (
        <span className="field-error" id={errorId}>
          {error}
        </span>
      ) : null}
    </>
  );
}

/** The label names the field exactly; "required" is said by aria-required, and shown beside it. */
function LabelText({ label, required }: { label: string; required?: boolean | undefined }) {
  return (
    <span className="field-label">
      {label}
      {required ? (
        <span className="required" aria-hidden="true">
          {" "}
          *
        </span>
      ) : null}
    </span>
  );
}

/** What every labelled control carries: its id, whether it is required or wrong, what describes it. */
interface ControlProps {
  id: string;
  "aria-required": true | undefined;
  "aria-invalid": true | undefined;
  "aria-describedby": string | undefined;
}

/** A label above one control, the hint and the API's error below it, tied together by ids. */
function LabelledField(props: FieldProps & { control: (control: ControlProps) => ReactNode }) {
  const ids = useFieldIds(props.error, props.hint);
  return (
    <div className="field">
      <label htmlFor={ids.id}>
        <LabelText label={props.label} required={props.required} />
      </label>
      {props.control({
        id: ids.id,
        "aria-required": props.required || undefined,
        "aria-invalid": props.error ? true : undefined,
        "aria-describedby": ids.describedBy,
      })}
      <FieldNotes {...props} errorId={ids.errorId} hintId={ids.hintId} />
    </div>
  );
}

export function TextField(
  props: FieldProps & {
    value: string;
    onChange: (value: string) => void;
    type?: "text" | "search" | "datetime-local" | "password" | "number";
    name?: string;
    placeholder?: string;
    autoComplete?: string;
    autoFocus?: boolean;
  },
) {
  return (
    <LabelledField
      {...props}
      control={(control) => (
        <input
          {...control}
          name={props.name}
          type={props.type ?? "text"}
          value={props.value}
          placeholder={props.placeholder}
          autoComplete={props.autoComplete ?? "off"}
          // biome-ignore lint/a11y/noAutofocus: a dialog's first field, where a keyboard user expects to type
          autoFocus={props.autoFocus}
          onChange={(event) => props.onChange(event.target.value)}
        />
      )}
    />
  );
}

export function TextAreaField(
  props: FieldProps & { value: string; onChange: (value: string) => void; rows?: number; name?: string },
) {
  return (
    <LabelledField
      {...props}
      control={(control) => (
        <textarea
          {...control}
          name={props.name}
          rows={props.rows ?? 3}
          value={props.value}
          onChange={(event) => props.onChange(event.target.value)}
        />
      )}
    />
  );
}

export interface Option {
  value: string;
  label: string;
}

const options = (list: readonly Option[]) =>
  list.map((option) => (
    <option key={option.value} value={option.value}>
      {option.label}
    </option>
  ));

export function SelectField(
  props: FieldProps & {
    value: string;
    onChange: (value: string) => void;
    options: readonly Option[];
    groups?: readonly { label: string; options: readonly Option[] }[];
    name?: string;
    autoFocus?: boolean;
  },
) {
  return (
    <LabelledField
      {...props}
      control={(control) => (
        <select
          {...control}
          name={props.name}
          value={props.value}
          // biome-ignore lint/a11y/noAutofocus: a dialog's first field, where a keyboard user expects to choose
          autoFocus={props.autoFocus}
          onChange={(event) => props.onChange(event.target.value)}
        >
          {options(props.options)}
          {props.groups?.map((group) => (
            <optgroup key={group.label} label={group.label}>
              {options(group.options)}
            </optgroup>
          ))}
        </select>
      )}
    />
  );
}

export function CheckboxField(
  props: FieldProps & { checked: boolean; onChange: (checked: boolean) => void; name?: string },
) {
  const ids = useFieldIds(props.error, props.hint);
  return (
    <div className="field field-checkbox">
      <input
        id={ids.id}
        type="checkbox"
        name={props.name}
        checked={props.checked}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={ids.describedBy}
        onChange={(event) => props.onChange(event.target.checked)}
      />
      <label htmlFor={ids.id}>{props.label}</label>
      <FieldNotes {...props} errorId={ids.errorId} hintId={ids.hintId} />
    </div>
  );
}

/** A group of checkboxes under one legend (capabilities). */
export function CheckboxGroup(
  props: FieldProps & { values: string[]; onChange: (values: string[]) => void; options: readonly Option[] },
) {
  const ids = useFieldIds(props.error, props.hint);
  return (
    <fieldset className="field" aria-describedby={ids.describedBy}>
      <legend>{props.label}</legend>
      <div className="checkbox-row">
        {props.options.map((option) => (
          <label key={option.value} className="inline-check">
            <input
              type="checkbox"
              checked={props.values.includes(option.value)}
              onChange={(event) =>
                props.onChange(
                  event.target.checked
                    ? [...props.values, option.value]
                    : props.values.filter((value) => value !== option.value),
                )
              }
            />
            {option.label}
          </label>
        ))}
      </div>
      <FieldNotes {...props} errorId={ids.errorId} hintId={ids.hintId} />
    </fieldset>
  );
}

export function FormActions({ children }: { children: ReactNode }) {
  return <div className="form-actions">{children}</div>;
}

/** The end of a dialog's form: what concerns the whole request, then submit and Cancel. */
export function DialogFooter({
  problem,
  submit,
  busy,
  onCancel,
  cancel = "Cancel",
}: {
  problem?: string | undefined;
  submit: string;
  busy: boolean;
  onCancel: () => void;
  cancel?: string;
}) {
  return (
    <>
      {problem ? (
        <p role="alert" className="problem">
          {problem}
        </p>
      ) : null}
      <FormActions>
        <button type="submit" className="primary" disabled={busy}>
          {submit}
        </button>
        <button type="button" onClick={onCancel}>
          {cancel}
        </button>
      </FormActions>
    </>
  );
}
