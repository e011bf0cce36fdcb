import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useCombobox } from "downshift";
import { useState } from "react";
import {
  NO_ORGANIZATION,
  type OrganizationChoice,
  type OrganizationKind,
  searchOrganizations,
  UUID,
} from "../lib/organizations";
import { FieldNotes, useFieldIds } from "./fields";

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
  const ids = useFieldIds(error, hint);
  const id = ids.id;
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

  return (
    <div className="field combobox">
      {/* biome-ignore lint/a11y/noLabelWithoutControl: downshift's label props carry htmlFor */}
      <label {...getLabelProps()}>
        <span className="field-label">{label}</span>
      </label>
      <input
        {...getInputProps({
          "aria-invalid": error ? true : undefined,
          "aria-describedby": ids.describedBy,
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
      <FieldNotes label={label} error={error} hint={hint} errorId={ids.errorId} hintId={ids.hintId} />
    </div>
  );
}
