/**
 * Who is signed in, for the screens. The identity the API trusts is the verified token; this is
 * only what the UI shows and where it sends a user whose session has ended.
 */

import { getCurrentUser, signOut } from "aws-amplify/auth";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { Navigate, useLocation } from "react-router";

export type SessionState =
  | { status: "loading" }
  | { status: "signedOut"; expired: boolean }
  | { status: "signedIn"; username: string };

interface SessionApi {
  state: SessionState;
  /** After Amplify's sign-in finished: read the user it stored. */
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
  /** The API or Cognito refused the session: forget it, and have the user sign in again. */
  expire: () => void;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: "loading" });

  const refresh = useCallback(async () => {
    try {
      const user = await getCurrentUser();
      setState({ status: "signedIn", username: user.username });
    } catch {
      setState({ status: "signedOut", expired: false });
    }
  }, []);

  const doSignOut = useCallback(async () => {
    try {
      await signOut();
    } finally {
      setState({ status: "signedOut", expired: false });
    }
  }, []);

  const expire = useCallback(() => {
    setState((current) =>
      current.status === "signedOut" ? current : { status: "signedOut", expired: true },
    );
    // Local sign-out only: the tokens are already refused, there is nothing to revoke.
    void signOut().catch(() => undefined);
  }, []);

  useEffect(() => {
    getCurrentUser().then(
      (user) => setState({ status: "signedIn", username: user.username }),
      () => setState({ status: "signedOut", expired: false }),
    );
  }, []);

  const value = useMemo(
    () => ({ state, refresh, signOut: doSignOut, expire }),
    [state, refresh, doSignOut, expire],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

/** A path inside this app to return to after signing in (never another site). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) {
    return "/snipes";
  }
  return next;
}

export function RequireSession({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === "loading") {
    return <p className="loading" role="status">Loading…</p>;
  }
  if (state.status === "signedOut") {
    const next = encodeURIComponent(location.pathname + location.search);
    const expired = state.expired ? "&expired=1" : "";
    return <Navigate to={`/sign-in?next=${next}${expired}`} replace />;
  }
  return <>{children}</>;
}
