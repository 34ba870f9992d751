/** One fact of a description list (`<dl>`): its term and what it is. */

import type { ReactNode } from "react";

export function Fact({ term, children }: { term: ReactNode; children: ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
