import { statusInWords, reasonInWords } from "../lib/reasons";

/** `announce`: a screen reader hears the change (a row moving to WON while the user waits). */
export function StatusBadge({
  status,
  reason,
  announce = false,
}: {
  status: string;
  reason?: string | null;
  announce?: boolean;
}) {
  const words = reasonInWords(reason);
  return (
    <span className="status" aria-live={announce ? "polite" : undefined}>
      <span className={`badge badge-${status.toLowerCase()}`}>{statusInWords(status)}</span>
      {words ? <span className="reason">: {words}</span> : null}
    </span>
  );
}
