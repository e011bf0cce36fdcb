import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";

/**
 * How often a page looks again at a number while it is pending: a change is in flight and the
 * number refuses others until it settles ("update in progress").
 */
export const PENDING_POLL_MS = 1000;

/** `refetchInterval` for a page of numbers: look again while any row on it is pending. */
export const whileAnyPending = (current: { state: { data?: { items: { pending: unknown }[] } } }) =>
  current.state.data?.items.some((item) => item.pending) ? PENDING_POLL_MS : false;

/** Fetches every list and page of numbers again: after an action, or on Refresh. */
export function useRefreshNumbers() {
  const queryClient = useQueryClient();
  return useCallback(() => queryClient.invalidateQueries({ queryKey: ["numbers"] }), [queryClient]);
}
