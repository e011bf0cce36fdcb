import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { ApiError, api, onUnauthorized, unwrap } from "../api/client";
import type { paths } from "../api/types";
import { forgetKey, storedKey, storeKey } from "./session-storage";

export type Identity = paths["/v1/api-keys/current"]["get"]["responses"][200]["content"]["application/json"];

export interface Session {
  /** Null while the key is being checked: pages load meanwhile, role-only controls wait for it. */
  identity: Identity | null;
  signOut: () => void;
  /** The platform's operations team (seed 004), or its view-only administrator (seed 003). */
  isPlatform: boolean;
  mayAddNumbers: boolean;
  mayEditNumbers: boolean;
  mayPreviewSweeps: boolean;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in page");
  return session;
}

/** Asks the API who a key is; a wrong key answers 401 with the API's sentence. */
export function fetchIdentity(key: string): Promise<Identity> {
  return unwrap(api.GET("/v1/api-keys/current", { headers: { authorization: `Bearer ${key}` } }));
}

export function describeIdentity(identity: Identity | null): string {
  if (!identity) return "…";
  const role = identity.role.replace("_", " ");
  return identity.organizationName ? `${identity.organizationName} (${role})` : `Platform (${role})`;
}

interface SessionState {
  key: string | null;
  /** Why the tab was signed out, shown on the sign-in page. */
  endedBecause: string | null;
}

export interface SignInProps {
  onSignedIn: (key: string, identity: Identity) => void;
  notice: string | null;
}

interface SessionState {
  key: string | null;
  /** Why the tab was signed out, shown on the sign-in page. */
  endedBecause: string | null;
}

/**
 * Signed in = a key in this tab's sessionStorage that the API recognises. Everything cached
 * under one key is dropped on sign-out, so the next person sees nothing of it.
 */
export function SessionProvider({
  SignIn,
  children,
}: {
  SignIn: (props: SignInProps) => ReactNode;
  children: ReactNode;
}) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<SessionState>(() => ({ key: storedKey(), endedBecause: null }));

  const endSession = useCallback(
    (reason: string | null) => {
      forgetKey();
      queryClient.clear();
      setState({ key: null, endedBecause: reason });
    },
    [queryClient],
  );

  useEffect(() => {
    const stop = onUnauthorized(() => endSession("The API key is no longer accepted; sign in again."));
    return () => {
      stop();
    };
  }, [endSession]);

  const identity = useQuery({
    queryKey: ["session", state.key],
    queryFn: () => fetchIdentity(state.key!),
    enabled: state.key !== null,
    staleTime: Number.POSITIVE_INFINITY,
    retry: (failures, error) => error instanceof ApiError && error.retryable && failures < 3,
  });

  // The page's own requests start at once, beside the key check, rather than after it: the first
  // page shows sooner. A key the API refuses signs the tab out on whichever answer comes first.
  const session = useMemo<Session>(() => {
    const known = identity.data ?? null;
    const role = known?.role;
    return {
      identity: known,
      signOut: () => endSession("You have signed out."),
      isPlatform: role === "platform_admin" || (role === "viewer" && known?.organizationId === null),
      mayAddNumbers: role === "platform_admin" || role === "partner_admin",
      mayEditNumbers: role === "platform_admin" || role === "partner_admin",
      mayPreviewSweeps: role === "platform_admin",
    };
  }, [identity.data, endSession]);

  if (state.key === null)
    return (
      <SignIn
        notice={state.endedBecause}
        onSignedIn={(key, known) => {
          storeKey(key);
          queryClient.setQueryData(["session", key], known);
          setState({ key, endedBecause: null });
        }}
      />
    );
  if (identity.error) return <SessionTrouble error={identity.error} onRetry={() => identity.refetch()} />;
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

function SessionTrouble({ error, onRetry }: { error: Error; onRetry: () => void }) {
  return (
    <main className="sign-in">
      <div role="alert">
        <p>{error.message}</p>
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      </div>
    </main>
  );
}
