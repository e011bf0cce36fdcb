import { useState } from "react";

/**
 * Keyset paging (the API's cursors): forward with the page's `nextCursor`, back through the
 * cursors already walked. The trail starts again whenever the search changes (`resetKey`).
 */
export function useCursorTrail(resetKey: string) {
  const [trail, setTrail] = useState<{ key: string; cursors: (string | undefined)[] }>({
    key: resetKey,
    cursors: [undefined],
  });
  const cursors = trail.key === resetKey ? trail.cursors : [undefined];
  return {
    cursor: cursors.at(-1),
    page: cursors.length,
    next: (cursor: string) => setTrail({ key: resetKey, cursors: [...cursors, cursor] }),
    previous: () => setTrail({ key: resetKey, cursors: cursors.slice(0, -1) }),
    first: () => setTrail({ key: resetKey, cursors: [undefined] }),
  };
}

export function Pager({
  trail,
  nextCursor,
  shown,
}: {
  trail: ReturnType<typeof useCursorTrail>;
  nextCursor: string | null | undefined;
  shown: number;
}) {
  return (
    <nav className="pager" aria-label="Pages of results">
      <button type="button" onClick={trail.previous} disabled={trail.page <= 1}>
        Previous page
      </button>
      <span aria-live="polite">
        Page {trail.page} · {shown} shown
      </span>
      <button type="button" onClick={() => nextCursor && trail.next(nextCursor)} disabled={!nextCursor}>
        Next page
      </button>
    </nav>
  );
}
