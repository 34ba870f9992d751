import { useState } from "react";

/** An item's picture; a plain placeholder when there is none or it cannot be loaded. */
export function Thumb({ src }: { src?: string | null }) {
  const [failed, setFailed] = useState(false);
  if (!src || failed) return <span className="thumb thumb-empty" aria-hidden="true" />;
  return <img className="thumb" src={src} alt="" loading="lazy" onError={() => setFailed(true)} />;
}
