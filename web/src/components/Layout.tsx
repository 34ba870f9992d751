/** The signed-in frame: header (eBay link, user, sign out), navigation, the screen. */

import { useSyncExternalStore } from "react";
import { NavLink, Outlet } from "react-router";

import { useSession } from "../auth/session";
import { EbayLinkBadge } from "./EbayLink";

function subscribeOnline(callback: () => void) {
  window.addEventListener("online", callback);
  window.addEventListener("offline", callback);
  return () => {
    window.removeEventListener("online", callback);
    window.removeEventListener("offline", callback);
  };
}

export function OfflineNotice() {
  const online = useSyncExternalStore(subscribeOnline, () => navigator.onLine);
  if (online) return null;
  return (
    <div className="banner banner-offline" role="status">
      You are offline. The list shows what was last loaded; changes cannot be sent until you are
      back online.
    </div>
  );
}

const NAV = [
  ["/snipes", "Snipes"],
  ["/add", "Add a snipe"],
  ["/watch-list", "Watch list"],
  ["/history", "History"],
  ["/stats", "My stats"],
  ["/settings", "Settings"],
] as const;

export function Layout() {
  const session = useSession();
  const username = session.state.status === "signedIn" ? session.state.username : "";
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="brand">eBay Sniper</div>
        <EbayLinkBadge />
        <div className="user">
          <span className="muted">{username}</span>
          <button type="button" className="link-button" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </div>
        <nav className="app-nav" aria-label="Main">
          {NAV.map(([to, label]) => (
            <NavLink key={to} to={to}>
              {label}
            </NavLink>
          ))}
        </nav>
      </header>
      <OfflineNotice />
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
