import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useCombobox } from "downshift";
import { useId, useState } from "react";
import { ApiError, api, unwrap } from "../api/client";
import type { paths } from "../api/types";

type OrganizationList = paths["/v1/organizations"]["get"]["responses"][200]["content"]["application/json"];
export type Organization = OrganizationList["items"][number];
export type OrganizationKind = "customer" | "partner";

/** What the person typed, and the organisation it names once one is chosen from the list. */
export interface OrganizationChoice {
  text: string;
  id: string | null;
}

export const NO_ORGANIZATION: OrganizationChoice = { text: "", id: null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function searchOrganizations(text: string, kind?: OrganizationKind) {
  return unwrap(
    api.GET("/v1/organizations", {
      params: { query: { q: text.trim() || undefined, kind, limit: 20 } },
    }),
  );
}

/**
 * The organisation id for a choice: the one picked from the list, a pasted UUID, or the only
 * organisation whose name is exactly what was typed. Throws a sentence for the field otherwise.
 */
export async function resolveOrganization(
  choice: OrganizationChoice,
  kind?: OrganizationKind,
): Promise<string | undefined> {
  if (choice.id) return choice.id;
  const text = choice.text.trim();
  if (!text) return undefined;
  if (UUID.test(text)) return text;
  const { items } = await searchOrganizations(text, kind);
  const named = items.filter((item) => item.name.toLowerCase() === text.toLowerCase());
  if (named.length === 1) return named[0]!.id;
  throw new ApiError(
    400,
    "validation_failed",
    named.length === 0
      ? `No organisation you can see is named “${text}”; choose one from the list.`
      : `Several organisations are named “${text}”; choose one from the list.`,
    [{ field: "ownerId" }],
  );
}

/**
 * An organisation chosen by name (GET /v1/organizations?q=), as a combobox: type part of a name,
 * pick from the list with the arrow keys and Enter, or paste an organisation's UUID. `value` is
 * read when it mounts; give it a new `key` to start again.
 */
export function OrganizationPicker({
  label,
  kind,
  value,
  onChange,
  error,
  hint,
}: {
  label: string;
  kind?: OrganizationKind;
  value: OrganizationChoice;
  onChange: (choice: OrganizationChoice) => void;
  error?: string | undefined;
  hint?: string;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const [text, setText] = useState(value.text);
  const matches = useQuery({
    queryKey: ["organizations", kind ?? "any", text.trim()],
    queryFn: () => searchOrganizations(text, kind),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  const items = matches.data?.items ?? [];
  // The input keeps its own text (a controlled value lags behind fast typing); the parent hears of it.
  const { isOpen, getLabelProps, getInputProps, getMenuProps, getItemProps, highlightedIndex } = useCombobox({
    id,
    items,
    initialInputValue: value.text,
    itemToString: (item) => item?.name ?? "",
    onInputValueChange: ({ inputValue, type }) => {
      setText(inputValue);
      if (type === useCombobox.stateChangeTypes.InputChange)
        onChange({ text: inputValue, id: UUID.test(inputValue.trim()) ? inputValue.trim() : null });
    },
    onSelectedItemChange: ({ selectedItem }) =>
      onChange(selectedItem ? { text: selectedItem.name, id: selectedItem.id } : NO_ORGANIZATION),
  });
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;

  return (
    <div className="field combobox">
      {/* biome-ignore lint/a11y/noLabelWithoutControl: downshift's label props carry htmlFor */}
      <label {...getLabelProps()}>
        <span className="field-label">{label}</span>
      </label>
      <input
        {...getInputProps({
          "aria-invalid": error ? true : undefined,
          "aria-describedby": describedBy,
        })}
        autoComplete="off"
      />
      {/* The list is named apart from the field, so the field's label names one control only. */}
      <ul
        {...getMenuProps({ "aria-labelledby": undefined, "aria-label": "Suggestions" })}
        className={isOpen && items.length > 0 ? "combobox-menu open" : "combobox-menu"}
      >
        {isOpen
          ? items.map((item, index) => (
              <li
                key={item.id}
                className={highlightedIndex === index ? "highlighted" : undefined}
                {...getItemProps({ item, index })}
              >
                {item.name} <span className="muted">({item.kind})</span>
              </li>
            ))
          : null}
      </ul>
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
    </div>
  );
}
