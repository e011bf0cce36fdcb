import type { ReactNode } from "react";
import { Link, useRoute } from "wouter";
import { describeIdentity, useSession } from "../lib/session";

function NavLink({ href, children }: { href: string; children: ReactNode }) {
  const [here] = useRoute(`${href}/*?`);
  return (
    <Link href={href} aria-current={here ? "page" : undefined} className={here ? "active" : undefined}>
      {children}
    </Link>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const session = useSession();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <span className="brand">numbers</span>
        <nav aria-label="Pages">
          <NavLink href="/numbers">Number Management</NavLink>
          <NavLink href="/phone-numbers">Phone Numbers</NavLink>
          <NavLink href="/sites">Site Telephony</NavLink>
          {session.mayPreviewSweeps ? <NavLink href="/sweeps">Sweep preview</NavLink> : null}
        </nav>
        <span className="who">Signed in as {describeIdentity(session.identity)}</span>
        <button type="button" onClick={session.signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
