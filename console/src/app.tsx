import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Redirect, Route, Router, Switch } from "wouter";
import { ApiError } from "./api/client";
import { Layout } from "./components/layout";
import { SessionProvider, useSession } from "./lib/session";
import { NumberManagement } from "./pages/number-management";
import { NumberPage } from "./pages/number-page";
import { PhoneNumbers } from "./pages/phone-numbers";
import { SignIn } from "./pages/sign-in";
import { SiteTelephony } from "./pages/site-telephony";
import { SweepPreview } from "./pages/sweep-preview";

const queryClient = new QueryClient({
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
  return <Redirect to={session.isPlatform ? "/numbers" : "/phone-numbers"} replace />;
}

function Pages() {
  const session = useSession();
  return (
    <Layout>
      <Switch>
        <Route path="/" component={Home} />
        <Route path="/numbers" component={NumberManagement} />
        <Route path="/numbers/:number">{(params) => <NumberPage number={params.number} />}</Route>
        <Route path="/phone-numbers" component={PhoneNumbers} />
        <Route path="/sites">{() => <SiteTelephony />}</Route>
        <Route path="/sites/:id">{(params) => <SiteTelephony siteId={params.id} />}</Route>
        {session.mayPreviewSweeps ? <Route path="/sweeps" component={SweepPreview} /> : null}
        <Route>
          <h1>Not found</h1>
          <p>This page of the console does not exist.</p>
        </Route>
      </Switch>
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
