/** Settings: default offset, which emails to get, and deleting the account (typed confirmation). */

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { deleteUser } from "aws-amplify/auth";
import { useState, type FormEvent } from "react";

import { call } from "../../api/client";
import { ApiError } from "../../api/errors";
import type { Profile } from "../../api/types";
import { useServices } from "../../app/context";
import { useProfile } from "../../app/queries";
import { useSession } from "../../auth/session";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Field, OffsetField } from "../../components/Field";
import { useTitle } from "../title";

type Notifications = Profile["preferences"]["notifications"];

const EMAILS: ReadonlyArray<readonly [keyof Notifications, string]> = [
  ["placed", "When a bid is placed"],
  ["won", "When I win"],
  ["lost", "When I lose"],
  ["skipped", "When a snipe is skipped"],
  ["failed", "When a snipe fails"],
  ["linkRenewal", "When my eBay link needs renewing"],
];

const CONFIRM_WORDS = "delete my account";

export function Settings() {
  useTitle("Settings");
  const { api } = useServices();
  const session = useSession();
  const profile = useProfile();
  const [typed, setTyped] = useState("");
  const remove = useMutation({
    mutationFn: async () => {
      await call(api.DELETE("/users/account"));
      // The sign-in itself goes too: the user pool forgets the user.
      await deleteUser();
    },
    onSuccess: () => void session.signOut(),
  });

  return (
    <section aria-labelledby="settings-heading" className="settings">
      <h1 id="settings-heading">Settings</h1>
      {profile.error ? <ErrorBanner error={profile.error} title="Your settings could not be loaded." /> : null}
      {profile.data ? <PreferencesForm key={profile.data.userId} profile={profile.data} /> : null}
      <section aria-labelledby="delete-heading" className="danger-zone">
        <h2 id="delete-heading">Delete my account</h2>
        <p>
          This removes your profile, your eBay link, every snipe (pending ones are cancelled), your
          history and your sign-in. It cannot be undone.
        </p>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            remove.mutate();
          }}
          className="stack"
        >
          <Field
            label={`Type “${CONFIRM_WORDS}” to confirm`}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
          />
          {remove.error ? <ErrorBanner error={remove.error} /> : null}
          <button type="submit" className="danger" disabled={typed.trim().toLowerCase() !== CONFIRM_WORDS || remove.isPending}>
            Delete my account
          </button>
        </form>
      </section>
    </section>
  );
}

function PreferencesForm({ profile }: { profile: Profile }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [offset, setOffset] = useState(String(profile.preferences.defaultOffsetSeconds));
  const [emails, setEmails] = useState<Notifications>(profile.preferences.notifications);
  const save = useMutation({
    mutationFn: () =>
      call(
        api.PUT("/users/preferences", {
          body: { defaultOffsetSeconds: Number(offset), notifications: emails },
        }),
      ),
    onSuccess: (updated) => queryClient.setQueryData(["profile"], updated),
  });
  const fieldError = save.error instanceof ApiError && save.error.isFieldError ? save.error : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  return (
    <form onSubmit={submit} className="stack">
      <p className="muted">
        Signed in as {profile.name || profile.email} ({profile.email})
      </p>
      <OffsetField
        label="Default offset (seconds before the close the bid should reach eBay)"
        value={offset}
        onChange={(e) => setOffset(e.target.value)}
        error={fieldError?.field === "defaultOffsetSeconds" ? fieldError.message : undefined}
        hint="Between 0.5 and 60 seconds. New snipes start with it; each snipe can have its own."
      />
      <fieldset>
        <legend>Email me</legend>
        {EMAILS.map(([name, label]) => (
          <div key={name} className="check">
            <input
              type="checkbox"
              id={`email-${name}`}
              checked={emails[name]}
              onChange={(e) => setEmails({ ...emails, [name]: e.target.checked })}
            />
            <label htmlFor={`email-${name}`}>{label}</label>
          </div>
        ))}
      </fieldset>
      {save.error && !fieldError ? <ErrorBanner error={save.error} /> : null}
      {save.isSuccess ? <p role="status">Saved.</p> : null}
      <button type="submit" disabled={save.isPending}>
        Save settings
      </button>
    </form>
  );
}
