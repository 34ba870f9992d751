/** Routes, and the providers every screen relies on. Screens load on demand. */

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense, useMemo, useState } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router";

import { makeApiClient } from "./api/client";
import { ApiError, SessionExpired } from "./api/errors";
import { ServicesContext } from "./app/context";
import { currentIdToken } from "./auth/cognito";
import { RequireSession, SessionProvider, useSession } from "./auth/session";
import type { RuntimeConfig } from "./config";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { Layout } from "./components/Layout";
import { ConfirmSignUp, ForgotPassword, SignIn, SignUp } from "./screens/account";
import { EndedSnipes, UpcomingSnipes } from "./screens/snipes/Snipes";

const AddSnipe = lazy(() => import("./screens/add/AddSnipe").then((m) => ({ default: m.AddSnipe })));
const WatchList = lazy(() => import("./screens/watch/WatchList").then((m) => ({ default: m.WatchList })));
const SnipeDetail = lazy(() =>
  import("./screens/detail/SnipeDetail").then((m) => ({ default: m.SnipeDetail })),
);
const History = lazy(() => import("./screens/history/History").then((m) => ({ default: m.History })));
const Stats = lazy(() => import("./screens/history/Stats").then((m) => ({ default: m.Stats })));
const Settings = lazy(() => import("./screens/settings/Settings").then((m) => ({ default: m.Settings })));
const EbayCallback = lazy(() =>
  import("./screens/ebay/EbayCallback").then((m) => ({ default: m.EbayCallback })),
);

function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A refusal will not change by asking again; a network or server failure may.
        retry: (failures, error) =>
          failures < 2 && !(error instanceof SessionExpired) && !(error instanceof ApiError && error.status < 500),
        refetchOnWindowFocus: true,
      },
      // A change tried offline fails at once and says so, rather than waiting unseen.
      mutations: { retry: false, networkMode: "always" },
    },
  });
}

function Services({ config, children }: { config: RuntimeConfig; children: React.ReactNode }) {
  const { expire } = useSession(); // stable: the client is made once per configuration
  const services = useMemo(
    () => ({
      config,
      api: makeApiClient(config.apiUrl, { token: currentIdToken, onSessionExpired: expire }),
    }),
    [config, expire],
  );
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

function Loading() {
  return (
    <p className="loading" role="status">
      Loading…
    </p>
  );
}

export function App({ config }: { config: RuntimeConfig }) {
  const [queryClient] = useState(makeQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <SessionProvider>
          <Services config={config}>
            <ErrorBoundary>
              <Suspense fallback={<Loading />}>
                <Routes>
                  <Route path="/sign-in" element={<SignIn />} />
                  <Route path="/sign-up" element={<SignUp />} />
                  <Route path="/confirm" element={<ConfirmSignUp />} />
                  <Route path="/forgot-password" element={<ForgotPassword />} />
                  <Route
                    element={
                      <RequireSession>
                        <Layout />
                      </RequireSession>
                    }
                  >
                    <Route path="/" element={<Navigate to="/snipes" replace />} />
                    <Route path="/snipes" element={<UpcomingSnipes />} />
                    <Route path="/snipes/ended" element={<EndedSnipes />} />
                    <Route path="/snipes/:bidId" element={<SnipeDetail />} />
                    <Route path="/add" element={<AddSnipe />} />
                    <Route path="/watch-list" element={<WatchList />} />
                    <Route path="/history" element={<History />} />
                    <Route path="/stats" element={<Stats />} />
                    <Route path="/settings" element={<Settings />} />
                    <Route path="/ebay/callback" element={<EbayCallback />} />
                    <Route path="*" element={<NotFound />} />
                  </Route>
                </Routes>
              </Suspense>
            </ErrorBoundary>
          </Services>
        </SessionProvider>
      </BrowserRouter>
    </QueryClientProvider>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>There is no such page. Use the menu above.</p>
    </section>
  );
}
