/**
 * Where eBay's consent page sends the browser back (the RuName's accept URL): posts the code
 * and state to the API, which checks the state (single use, bound to this user) and stores the
 * link. The code is taken out of the address bar at once, so it stays out of the history.
 */

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";

import { call } from "../../api/client";
import type { EbayStatus } from "../../api/types";
import { useServices } from "../../app/context";
import { takeReturnPath } from "../../components/EbayLink";
import { ErrorBanner } from "../../components/ErrorBanner";
import { useTitle } from "../title";

export function EbayCallback() {
  useTitle("Linking eBay");
  const { api } = useServices();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const started = useRef(false);
  const [grant] = useState(readGrant);
  const [error, setError] = useState<unknown>(grant.problem);
  const [linked, setLinked] = useState<EbayStatus>();

  useEffect(() => {
    if (started.current) return; // the code is single-use: redeem it once
    started.current = true;
    window.history.replaceState(null, "", window.location.pathname);
    const { code, state } = grant;
    if (!code || !state) return;
    call(api.POST("/ebay/auth/callback", { body: { code, state } }))
      .then(async (status) => {
        setLinked(status);
        queryClient.setQueryData(["ebay-status"], status);
        await queryClient.invalidateQueries({ queryKey: ["profile"] });
        await queryClient.invalidateQueries({ queryKey: ["watchlist"] });
        navigate(takeReturnPath(), { replace: true });
      })
      .catch(setError);
  }, [api, grant, navigate, queryClient]);

  return (
    <section aria-labelledby="callback-heading">
      <h1 id="callback-heading">Linking your eBay account</h1>
      {error ? (
        <>
          <ErrorBanner error={error} title="The link was not made." />
          <p>
            <Link to="/snipes">Back to your snipes</Link>; start again with “Link eBay” at the top.
          </p>
        </>
      ) : linked ? (
        <p role="status">Linked as {linked.username}.</p>
      ) : (
        <p role="status">Finishing the link with eBay…</p>
      )}
    </section>
  );
}

function readGrant(): { code?: string; state?: string; problem?: Error } {
  const params = new URLSearchParams(window.location.search);
  const code = params.get("code") ?? undefined;
  const state = params.get("state") ?? undefined;
  if (params.get("error")) return { problem: new Error("eBay did not grant access.") };
  if (!code || !state) return { problem: new Error("eBay's answer had no code.") };
  return { code, state };
}
