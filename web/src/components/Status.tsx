import { statusInWords, reasonInWords } from "../lib/reasons";

export function StatusBadge({ status, reason }: { status: string; reason?: string | null }) {
  const words = reasonInWords(reason);
  return (
    <span className="status">
      <span className={`badge badge-${status.toLowerCase()}`}>{statusInWords(status)}</span>
      {words ? <span className="reason">: {words}</span> : null}
    </span>
  );
}
