/** An error in words, where it happened: what failed, and the reference to quote. */

import { ApiError, NetworkError, SessionExpired } from "../api/errors";

export function errorText(error: unknown): string {
  if (error instanceof ApiError || error instanceof NetworkError || error instanceof SessionExpired) {
    return error.message;
  }
  return error instanceof Error ? `Something went wrong: ${error.message}` : "Something went wrong.";
}

export function ErrorBanner({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const correlationId = error instanceof ApiError ? error.correlationId : undefined;
  const offline = error instanceof NetworkError && error.offline;
  return (
    <div className={offline ? "banner banner-offline" : "banner banner-error"} role="alert">
      {title ? <strong>{title} </strong> : null}
      <span>{errorText(error)}</span>
      {error instanceof ApiError ? <span className="muted"> (HTTP {error.status})</span> : null}
      {correlationId ? (
        <span className="reference">
          {" "}
          Reference: <code>{correlationId}</code>
        </span>
      ) : null}
    </div>
  );
}
