/** Group: none, an existing group, or a new one; win N; and the spacing warning for its members. */

import { useId } from "react";

import type { Bid } from "../../api/types";
import { describeWarning, spacingWarnings, type GroupMember } from "../../lib/groups";

export interface GroupChoice {
  mode: "none" | "existing" | "new";
  groupId: string;
  maxWins: number;
}

export const NO_GROUP: GroupChoice = { mode: "none", groupId: "", maxWins: 1 };

export function groupOf(choice: GroupChoice): { groupId: string; maxWins: number } | undefined {
  const groupId = choice.groupId.trim();
  return choice.mode === "none" || !groupId ? undefined : { groupId, maxWins: choice.maxWins };
}

export function existingGroups(bids: readonly Bid[] | undefined): Map<string, number> {
  const groups = new Map<string, number>();
  for (const bid of bids ?? []) if (bid.group) groups.set(bid.group.groupId, bid.group.maxWins);
  return groups;
}

export function GroupPicker({
  choice,
  onChange,
  upcoming,
  newMembers,
}: {
  choice: GroupChoice;
  onChange: (choice: GroupChoice) => void;
  upcoming: readonly Bid[] | undefined;
  newMembers: readonly GroupMember[];
}) {
  const id = useId();
  const groups = existingGroups(upcoming);
  const group = groupOf(choice);
  const members: GroupMember[] = group
    ? [
        ...newMembers,
        ...(upcoming ?? [])
          .filter((bid) => bid.group?.groupId === group.groupId)
          .map((bid) => ({
            key: bid.bidId,
            title: bid.title,
            auctionEnd: bid.auctionEnd,
            offsetSeconds: bid.offsetSeconds,
          })),
      ]
    : [];
  const warnings = spacingWarnings(members);

  return (
    <fieldset className="group-picker">
      <legend>Group (win only some of these)</legend>
      <div className="field">
        <label htmlFor={`${id}-mode`}>Group</label>
        <select
          id={`${id}-mode`}
          value={choice.mode === "existing" ? `existing:${choice.groupId}` : choice.mode}
          onChange={(e) => {
            const value = e.target.value;
            if (value.startsWith("existing:")) {
              const groupId = value.slice("existing:".length);
              onChange({ mode: "existing", groupId, maxWins: groups.get(groupId) ?? 1 });
            } else {
              onChange({ mode: value as GroupChoice["mode"], groupId: "", maxWins: 1 });
            }
          }}
        >
          <option value="none">No group</option>
          {[...groups.keys()].map((groupId) => (
            <option key={groupId} value={`existing:${groupId}`}>
              {groupId} (win {groups.get(groupId)})
            </option>
          ))}
          <option value="new">New group…</option>
        </select>
      </div>
      {choice.mode === "new" ? (
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-name`}>Group name</label>
            <input
              id={`${id}-name`}
              value={choice.groupId}
              maxLength={64}
              onChange={(e) => onChange({ ...choice, groupId: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-wins`}>Win at most</label>
            <input
              id={`${id}-wins`}
              type="number"
              min={1}
              max={100}
              value={choice.maxWins}
              onChange={(e) => onChange({ ...choice, maxWins: Math.max(1, Number(e.target.value) || 1) })}
            />
          </div>
        </div>
      ) : null}
      {warnings.length ? (
        <div className="banner banner-warn" role="status">
          <strong>Too close together: </strong>
          {warnings.map((warning) => (
            <p key={`${warning.earlier.key}-${warning.later.key}`}>{describeWarning(warning)}</p>
          ))}
        </div>
      ) : null}
    </fieldset>
  );
}
