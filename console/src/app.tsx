import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { Redirect, Route, Router, Switch } from "wouter";
import { ApiError } from "./api/client";
import { Layout } from "./components/layout";
import { Loading } from "./components/notices";
import { SessionProvider, useSession } from "./lib/session";
import { NumberManagement } from "./pages/number-management";
import { SignIn } from "./pages/sign-in";

// The first page a person usually opens is in the main bundle; the others load when opened, so the
// first load has less JavaScript to fetch and run.
const NumberPage = lazy(() =>
  import("./pages/number-page").then((module) => ({ default: module.NumberPage })),
);
const PhoneNumbers = lazy(() =>
  import("./pages/phone-numbers").then((module) => ({ default: module.PhoneNumbers })),
);
const SiteTelephony = lazy(() =>
  import("./pages/site-telephony").then((module) => ({ default: module.SiteTelephony })),
);
const SweepPreview = lazy(() =>
  import("./pages/sweep-preview").then((module) => ({ default: module.SweepPreview })),
);

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      // A refusal will not change by asking again; an unreachable server may.
      retry: (failures, error) => error instanceof ApiError && error.retryable && failures < 2,
      refetchOnWindowFocus: true,
    },
  },
});

/** The platform's team starts at Number Management; partners and customers at their Phone Numbers. */
function Home() {
  const session = useSession();
  if (!session.identity) return <Loading what="your pages" />;
  return <Redirect to={session.isPlatform ? "/numbers" : "/phone-numbers"} replace />;
}

function Pages() {
  const session = useSession();
  return (
    <Layout>
      <Suspense fallback={<Loading what="the page" />}>
        <Switch>
          <Route path="/" component={Home} />
          <Route path="/numbers" component={NumberManagement} />
          <Route path="/numbers/:number">{(params) => <NumberPage number={params.number} />}</Route>
          <Route path="/phone-numbers" component={PhoneNumbers} />
          <Route path="/sites">{() => <SiteTelephony />}</Route>
          <Route path="/sites/:id">{(params) => <SiteTelephony siteId={params.id} />}</Route>
          <Route path="/sweeps">
            {!session.identity ? (
              <Loading what="the sweep preview" />
            ) : session.mayPreviewSweeps ? (
              <SweepPreview />
            ) : (
              <p role="alert">Only a platform_admin key may preview sweeps.</p>
            )}
          </Route>
          <Route>
            <h1>Not found</h1>
            <p>This page of the console does not exist.</p>
          </Route>
        </Switch>
      </Suspense>
    </Layout>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <Router base="/console">
        <SessionProvider SignIn={SignIn}>
          <Pages />
        </SessionProvider>
      </Router>
    </QueryClientProvider>
  );
}
