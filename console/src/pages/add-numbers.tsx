import { type FormEvent, useMemo, useState } from "react";
import { ApiError, api, unwrap } from "../api/client";
import { Dialog } from "../components/dialog";
import { CheckboxGroup, FormActions, TextAreaField, TextField } from "../components/fields";
import { Status } from "../components/notices";
import { CAPABILITIES } from "../lib/format";

const MAX_NUMBERS = 50;

/** The pasted list: one number per line or comma, blanks ignored (spaces inside are the API's to read). */
export function splitNumbers(text: string): string[] {
  return text
    .split(/[,\n;]/)
    .map((line) => line.trim())
    .filter(Boolean);
}

interface Outcome {
  added?: string[];
  /** One sentence per refused line, by its position in the list. */
  refusals?: Map<number, string>;
  general?: string;
}

/**
 * Seed 004's "Add new numbers": up to 50 at once, with vendor, country and SKU. All or nothing,
 * as the API does it: when any is refused, each refusal is shown against its own line.
 */
export function AddNumbers({ onClose, onAdded }: { onClose: () => void; onAdded: () => void }) {
  const [text, setText] = useState("");
  const [vendor, setVendor] = useState("");
  const [country, setCountry] = useState("");
  const [sku, setSku] = useState("");
  const [capabilities, setCapabilities] = useState<string[]>(["voice"]);
  const [outcome, setOutcome] = useState<Outcome>({});
  const [busy, setBusy] = useState(false);
  const numbers = useMemo(() => splitNumbers(text), [text]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (numbers.length === 0) {
      setOutcome({ general: "Enter at least one number." });
      return;
    }
    setBusy(true);
    try {
      const body = {
        numbers: numbers.map((number) => ({ number, vendor, country, sku, capabilities })),
      };
      const created = await unwrap(api.POST("/v1/numbers", { body }));
      setOutcome({ added: created.numbers.map((item) => item.number) });
      setText("");
      onAdded();
    } catch (error) {
      if (error instanceof ApiError && error.details.some((detail) => detail.index !== undefined)) {
        const refusals = new Map<number, string>();
        for (const detail of error.details)
          if (detail.index !== undefined)
            refusals.set(detail.index, detail.message ?? detail.code ?? "refused");
        setOutcome({ refusals, general: error.message });
      } else if (error instanceof ApiError) {
        setOutcome({
          general: error.retryable
            ? `${error.message} What you typed is kept: add again when ready.`
            : error.message,
        });
      } else setOutcome({ general: "The numbers could not be added." });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title="Add new numbers" onClose={onClose}>
      <form onSubmit={submit} noValidate className="dialog-form">
        <TextAreaField
          label="Numbers"
          rows={6}
          value={text}
          onChange={(value) => {
            setText(value);
            setOutcome({});
          }}
          hint={`Up to ${MAX_NUMBERS} numbers, separated by commas or new lines. ${numbers.length} entered.`}
          required
        />
        <TextField label="Vendor" value={vendor} onChange={setVendor} required />
        <TextField label="Country" value={country} onChange={setCountry} placeholder="SG" required />
        <TextField label="SKU" value={sku} onChange={setSku} required />
        <CheckboxGroup
          label="Capabilities"
          values={capabilities}
          onChange={setCapabilities}
          options={CAPABILITIES}
        />
        {outcome.general ? (
          <p role="alert" className="problem">
            {outcome.general}
          </p>
        ) : null}
        {outcome.refusals ? (
          <ol className="refusals" aria-label="Each number and why it was refused">
            {numbers.map((number, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the list is the person's lines, in order
              <li key={index} className={outcome.refusals?.has(index) ? "refused" : "accepted"}>
                <span className="refused-number">{number}</span>
                {outcome.refusals?.has(index) ? `: ${outcome.refusals.get(index)}` : ": ok"}
              </li>
            ))}
          </ol>
        ) : null}
        {outcome.added ? (
          <Status>
            Added {outcome.added.length} numbers: {outcome.added.join(", ")}.
          </Status>
        ) : null}
        <FormActions>
          <button type="submit" className="primary" disabled={busy}>
            Add
          </button>
          <button type="button" onClick={onClose}>
            {outcome.added ? "Done" : "Cancel"}
          </button>
        </FormActions>
      </form>
    </Dialog>
  );
}
