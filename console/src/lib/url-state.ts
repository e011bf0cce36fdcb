import { useCallback, useMemo } from "react";
import { useLocation, useSearch } from "wouter";

export type ParamChanges = Record<string, string | null | undefined>;

/**
 * A page's filters, sort and cursor live in its URL, so a search can be bookmarked, shared and
 * walked back with the browser's Back button. Empty values are left out.
 */
export function useUrlParams(): [
  URLSearchParams,
  (changes: ParamChanges, options?: { replace?: boolean }) => void,
] {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const params = useMemo(() => new URLSearchParams(search), [search]);
  const update = useCallback(
    (changes: ParamChanges, options: { replace?: boolean } = {}) => {
      const next = new URLSearchParams(search);
      for (const [name, value] of Object.entries(changes)) {
        if (value === null || value === undefined || value === "") next.delete(name);
        else next.set(name, value);
      }
      const query = next.toString();
      navigate(query ? `${location}?${query}` : location, { replace: options.replace ?? false });
    },
    [search, location, navigate],
  );
  return [params, update];
}

/** Only the listed parameters, as an object for a query (unknown ones in the URL are ignored). */
export function pickParams<K extends string>(
  params: URLSearchParams,
  names: readonly K[],
): Partial<Record<K, string>> {
  const picked: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = params.get(name);
    if (value) picked[name] = value;
  }
  return picked;
}
