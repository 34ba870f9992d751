/**
 * Bid groups ("win N of these"): snipes of a group are decided in closing order. The executor
 * lets a snipe fire only once every earlier-closing sibling has an outcome, and gives up (the
 * snipe is skipped, GROUP_UNRESOLVED) PREPARE_LEAD_S before its own firing instant. An outcome
 * is known only after its auction closes and eBay answers getBidding.
 */

/** The executor stops waiting for siblings this long before it fires (its prepare lead). */
export const PREPARE_LEAD_S = 8;
/** How long after a close eBay's outcome is usually known: an allowance, not a promise. */
export const OUTCOME_AFTER_CLOSE_S = 5;

export interface GroupMember {
  key: string;
  title: string;
  /** ISO instant of the close. */
  auctionEnd: string;
  offsetSeconds: number;
}

export interface SpacingWarning {
  earlier: GroupMember;
  later: GroupMember;
  /** How many seconds apart the two closes are. */
  gapSeconds: number;
  /** How far apart they would have to be. */
  neededSeconds: number;
}

/** The smallest gap between two closes for the first outcome to be known in time. */
export function neededGapSeconds(later: Pick<GroupMember, "offsetSeconds">): number {
  return later.offsetSeconds + PREPARE_LEAD_S + OUTCOME_AFTER_CLOSE_S;
}

/** Every pair of consecutive closes too near each other (only consecutive pairs matter). */
export function spacingWarnings(members: readonly GroupMember[]): SpacingWarning[] {
  const ordered = [...members].sort(
    (a, b) => Date.parse(a.auctionEnd) - Date.parse(b.auctionEnd) || a.key.localeCompare(b.key),
  );
  const warnings: SpacingWarning[] = [];
  for (let i = 1; i < ordered.length; i++) {
    const earlier = ordered[i - 1]!;
    const later = ordered[i]!;
    const gapSeconds = (Date.parse(later.auctionEnd) - Date.parse(earlier.auctionEnd)) / 1000;
    const neededSeconds = neededGapSeconds(later);
    if (gapSeconds < neededSeconds) {
      warnings.push({ earlier, later, gapSeconds, neededSeconds });
    }
  }
  return warnings;
}

export function describeWarning(warning: SpacingWarning): string {
  const gap = Math.max(0, Math.round(warning.gapSeconds));
  return (
    `“${warning.later.title}” closes ${gap} s after “${warning.earlier.title}”: the first ` +
    `outcome will not be known before the second must fire (needs about ` +
    `${Math.ceil(warning.neededSeconds)} s), so the second may be skipped.`
  );
}
