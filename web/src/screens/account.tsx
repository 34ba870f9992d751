/** Account screens: sign in, sign up, confirm, forgot password. Cognito through Amplify (SRP). */

import {
  confirmResetPassword,
  confirmSignIn,
  confirmSignUp,
  resendSignUpCode,
  resetPassword,
  signIn,
  signUp,
} from "aws-amplify/auth";
import { useState, type FormEvent, type ReactNode } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";

import { useServices } from "../app/context";
import { safeNext, useSession } from "../auth/session";
import { Field } from "../components/Field";
import { useTitle } from "./title";

function cognitoMessage(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "NotAuthorizedException") return "Wrong username or password.";
    if (error.name === "UserNotFoundException") return "Wrong username or password.";
    if (error.name === "UsernameExistsException") return "That username is taken.";
    if (error.name === "CodeMismatchException") return "That code is not right; check the email.";
    if (error.name === "ExpiredCodeException") return "That code has expired; ask for a new one.";
    if (error.name === "InvalidPasswordException" || error.name === "InvalidParameterException") {
      return error.message;
    }
    if (error.name === "LimitExceededException") return "Too many attempts; wait a little and try again.";
    if (error.message === "Failed to fetch" || error.name === "NetworkError") {
      return navigator.onLine ? "The sign-in service cannot be reached." : "You are offline.";
    }
    return error.message;
  }
  return "Something went wrong.";
}

function AccountFrame({ title, children }: { title: string; children: ReactNode }) {
  useTitle(title);
  return (
    <main id="main" className="account">
      <div className="brand">eBay Sniper</div>
      <h1>{title}</h1>
      {children}
    </main>
  );
}

function FormError({ message }: { message: string | undefined }) {
  return message ? (
    <p className="banner banner-error" role="alert">
      {message}
    </p>
  ) : null;
}

function BackToSignIn() {
  return (
    <p className="account-links">
      <Link to="/sign-in">Back to sign in</Link>
    </p>
  );
}

/** The username the address names (`?username=`), as the form's starting value. */
function useUsernameParam() {
  const [params] = useSearchParams();
  return useState(params.get("username") ?? "");
}

/** A form's submission to Cognito: busy while it runs, a refusal put in words. */
function useSubmission() {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submitting = (work: () => Promise<void>) => async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (caught) {
      setError(cognitoMessage(caught));
    } finally {
      setBusy(false);
    }
  };
  return { error, setError, busy, submitting };
}

export function SignIn() {
  const { config } = useServices();
  const session = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [challenge, setChallenge] = useState<"totp" | "newPassword" | null>(null);
  const [answer, setAnswer] = useState("");
  const { error, setError, busy, submitting } = useSubmission();

  if (session.state.status === "signedIn") return <Navigate to={next} replace />;

  async function finish(step: string) {
    if (step === "DONE") {
      await session.refresh();
      navigate(next, { replace: true });
    } else if (step === "CONFIRM_SIGN_UP") {
      navigate(`/confirm?username=${encodeURIComponent(username)}`);
    } else if (step === "RESET_PASSWORD") {
      navigate(`/forgot-password?username=${encodeURIComponent(username)}`);
    } else if (step === "CONFIRM_SIGN_IN_WITH_TOTP_CODE") {
      setChallenge("totp");
    } else if (step === "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED") {
      setChallenge("newPassword");
    } else {
      setError(`This sign-in needs a step the app does not offer (${step}).`);
    }
  }

  const submit = submitting(async () => {
    const result = challenge
      ? await confirmSignIn({ challengeResponse: answer })
      : await signIn({ username: username.trim(), password, options: { authFlowType: config.signInFlow } });
    await finish(result.nextStep.signInStep);
  });

  return (
    <AccountFrame title="Sign in">
      {params.get("expired") ? (
        <p className="banner banner-info" role="status">
          Your session has ended. Sign in again and you will be taken back to where you were.
        </p>
      ) : null}
      {config.demoLogin ? (
        <section className="demo-login" aria-label="Demo login">
          <p>
            This is the local stack. Sign in as the demo user: <code>{config.demoLogin.username}</code> /{" "}
            <code>{config.demoLogin.password}</code>
          </p>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setUsername(config.demoLogin!.username);
              setPassword(config.demoLogin!.password);
            }}
          >
            Fill in the demo login
          </button>
        </section>
      ) : null}
      <form onSubmit={submit} className="stack">
        {challenge === null ? (
          <>
            <Field
              label="Username or email"
              name="username"
              autoComplete="username"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              required
            />
            <Field
              label="Password"
              name="password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          </>
        ) : (
          <Field
            label={challenge === "totp" ? "Code from your authenticator app" : "Choose a new password"}
            name="answer"
            type={challenge === "totp" ? "text" : "password"}
            autoComplete={challenge === "totp" ? "one-time-code" : "new-password"}
            value={answer}
            onChange={(e) => setAnswer(e.target.value)}
            required
          />
        )}
        <FormError message={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p className="account-links">
        <Link to="/sign-up">Create an account</Link> · <Link to="/forgot-password">Forgot password?</Link> ·{" "}
        <Link to="/confirm">Confirm an account</Link>
      </p>
    </AccountFrame>
  );
}

export function SignUp() {
  const navigate = useNavigate();
  const [form, setForm] = useState({ username: "", email: "", name: "", password: "" });
  const { error, busy, submitting } = useSubmission();
  const set = (name: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [name]: e.target.value });

  const submit = submitting(async () => {
    const result = await signUp({
      username: form.username.trim(),
      password: form.password,
      options: { userAttributes: { email: form.email.trim(), name: form.name.trim() } },
    });
    if (result.nextStep.signUpStep === "DONE") {
      navigate("/sign-in");
    } else {
      navigate(`/confirm?username=${encodeURIComponent(form.username.trim())}`);
    }
  });

  return (
    <AccountFrame title="Create an account">
      <form onSubmit={submit} className="stack">
        <Field label="Username" autoComplete="username" value={form.username} onChange={set("username")} required />
        <Field label="Email" type="email" autoComplete="email" value={form.email} onChange={set("email")} required />
        <Field label="Name" autoComplete="name" value={form.name} onChange={set("name")} />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="At least 12 characters, with upper and lower case letters, a number and a symbol."
          value={form.password}
          onChange={set("password")}
          required
          minLength={12}
        />
        <FormError message={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Creating…" : "Create account"}
        </button>
      </form>
      <BackToSignIn />
    </AccountFrame>
  );
}

export function ConfirmSignUp() {
  const navigate = useNavigate();
  const [username, setUsername] = useUsernameParam();
  const [code, setCode] = useState("");
  const [notice, setNotice] = useState<string>();
  const { error, setError, busy, submitting } = useSubmission();

  const submit = submitting(async () => {
    await confirmSignUp({ username: username.trim(), confirmationCode: code.trim() });
    navigate("/sign-in");
  });

  async function resend() {
    setError(undefined);
    try {
      await resendSignUpCode({ username: username.trim() });
      setNotice("A new code is on its way to your email.");
    } catch (caught) {
      setError(cognitoMessage(caught));
    }
  }

  return (
    <AccountFrame title="Confirm your account">
      <p>We emailed you a code. Enter it here to finish creating your account.</p>
      <form onSubmit={submit} className="stack">
        <Field label="Username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        <Field
          label="Code"
          autoComplete="one-time-code"
          inputMode="numeric"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          required
        />
        <FormError message={error} />
        {notice ? <p role="status">{notice}</p> : null}
        <div className="actions">
          <button type="submit" disabled={busy}>
            Confirm
          </button>
          <button type="button" className="secondary" onClick={() => void resend()} disabled={!username}>
            Send a new code
          </button>
        </div>
      </form>
      <BackToSignIn />
    </AccountFrame>
  );
}

export function ForgotPassword() {
  const navigate = useNavigate();
  const [username, setUsername] = useUsernameParam();
  const [sent, setSent] = useState(false);
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const { error, busy, submitting } = useSubmission();

  const submit = submitting(async () => {
    if (!sent) {
      await resetPassword({ username: username.trim() });
      setSent(true);
    } else {
      await confirmResetPassword({ username: username.trim(), confirmationCode: code.trim(), newPassword: password });
      navigate("/sign-in");
    }
  });

  return (
    <AccountFrame title="Reset your password">
      <form onSubmit={submit} className="stack">
        <Field label="Username or email" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required readOnly={sent} />
        {sent ? (
          <>
            <p role="status">We emailed you a code. Enter it with your new password.</p>
            <Field label="Code" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} required />
            <Field
              label="New password"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
              minLength={12}
            />
          </>
        ) : null}
        <FormError message={error} />
        <button type="submit" disabled={busy}>
          {sent ? "Set the new password" : "Email me a code"}
        </button>
      </form>
      <BackToSignIn />
    </AccountFrame>
  );
}
