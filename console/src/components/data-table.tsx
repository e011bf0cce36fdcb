import {
  type ColumnDef,
  type RowData,
  type RowSelectionState,
  rowSelectionFeature,
  rowSortingFeature,
  type SortingState,
  tableFeatures,
  type Updater,
  useTable,
} from "@tanstack/react-table";
import { type ReactNode, useMemo } from "react";

const features = tableFeatures({ rowSortingFeature, rowSelectionFeature });
export type Column<T extends RowData> = ColumnDef<typeof features, T>;

/** "number" / "-updatedAt", as the API's `sort` parameter spells it. */
export type SortText = string;

export function parseSort(sort: SortText): SortingState {
  return sort.startsWith("-") ? [{ id: sort.slice(1), desc: true }] : [{ id: sort, desc: false }];
}

export interface Selection {
  selected: RowSelectionState;
  onChange: (selected: RowSelectionState) => void;
  /** "Select +6561234567": the name a person hears for a row's checkbox. */
  rowLabel: (id: string) => string;
}

const ARIA_SORT = { asc: "ascending", desc: "descending" } as const;

/**
 * A table of one page of server rows (TanStack Table): sorting is done by the API (the header
 * buttons change the `sort` parameter; column ids are the API's sort field names), ticking rows
 * is kept here. An optional second header row holds the per-column search fields.
 */
export function DataTable<T extends RowData>({
  caption,
  columns,
  rows,
  getRowId,
  sort,
  onSortChange,
  selection,
  searchRow,
  empty,
}: {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  getRowId: (row: T) => string;
  sort?: SortText;
  onSortChange?: (sort: SortText) => void;
  selection?: Selection;
  searchRow?: ReactNode;
  empty: string;
}) {
  const sorting = useMemo(() => (sort ? parseSort(sort) : []), [sort]);
  const allColumns = useMemo<Column<T>[]>(
    () => (selection ? [selectColumn<T>(selection), ...columns] : columns),
    [columns, selection],
  );
  const table = useTable({
    features,
    columns: allColumns,
    data: rows,
    getRowId: (row) => getRowId(row),
    manualSorting: true,
    enableSortingRemoval: false,
    enableMultiSort: false,
    defaultColumn: { sortDescFirst: false, enableSorting: false },
    enableRowSelection: selection !== undefined,
    state: { sorting, rowSelection: selection?.selected ?? {} },
    onSortingChange: (updater: Updater<SortingState>) => {
      const next = typeof updater === "function" ? updater(sorting) : updater;
      const first = next[0];
      if (first && onSortChange) onSortChange(`${first.desc ? "-" : ""}${first.id}`);
    },
    onRowSelectionChange: (updater: Updater<RowSelectionState>) => {
      if (!selection) return;
      selection.onChange(typeof updater === "function" ? updater(selection.selected) : updater);
    },
  });

  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption>{caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                const canSort = header.column.getCanSort() && onSortChange !== undefined;
                return (
                  <th
                    key={header.id}
                    scope="col"
                    aria-sort={canSort ? (sorted ? ARIA_SORT[sorted] : "none") : undefined}
                  >
                    {canSort ? (
                      <button
                        type="button"
                        className="sort-button"
                        onClick={header.column.getToggleSortingHandler()}
                      >
                        <table.FlexRender header={header} />
                        <span className="sort-mark" aria-hidden="true">
                          {sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : " ↕"}
                        </span>
                      </button>
                    ) : (
                      <table.FlexRender header={header} />
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
          {searchRow}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id} className={row.getIsSelected() ? "selected" : undefined}>
              {row.getAllCells().map((cell, index) =>
                index === (selection ? 1 : 0) ? (
                  <th key={cell.id} scope="row">
                    <table.FlexRender cell={cell} />
                  </th>
                ) : (
                  <td key={cell.id}>
                    <table.FlexRender cell={cell} />
                  </td>
                ),
              )}
            </tr>
          ))}
          {rows.length === 0 ? (
            <tr>
              <td colSpan={allColumns.length} className="empty">
                {empty}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}

function selectColumn<T extends RowData>(selection: Selection): Column<T> {
  return {
    id: "select",
    header: ({ table }) => (
      <label className="check-cell">
        <input
          type="checkbox"
          checked={table.getIsAllRowsSelected()}
          ref={(input) => {
            if (input) input.indeterminate = table.getIsSomeRowsSelected() && !table.getIsAllRowsSelected();
          }}
          onChange={table.getToggleAllRowsSelectedHandler()}
        />
        <span className="visually-hidden">Select all rows</span>
      </label>
    ),
    cell: ({ row }) => (
      <label className="check-cell">
        <input type="checkbox" checked={row.getIsSelected()} onChange={row.getToggleSelectedHandler()} />
        <span className="visually-hidden">{selection.rowLabel(row.id)}</span>
      </label>
    ),
  };
}
