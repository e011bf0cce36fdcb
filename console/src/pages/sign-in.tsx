import { type FormEvent, useState } from "react";
import { ApiError } from "../api/client";
import { FormActions, TextField } from "../components/fields";
import { fetchIdentity, type SignInProps } from "../lib/session";

/** Asks for an API key and checks it with the API before keeping it for this tab. */
export function SignIn({ onSignedIn, notice }: SignInProps) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError("Enter your API key.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(trimmed, await fetchIdentity(trimmed));
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "The key could not be checked; try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>numbers console</h1>
      <p>Sign in with an API key. It is kept for this browser tab only and forgotten when you sign out.</p>
      {notice ? <p role="status">{notice}</p> : null}
      <form onSubmit={submit} noValidate aria-label="Sign in">
        <TextField
          label="API key"
          type="password"
          name="apiKey"
          autoComplete="off"
          value={key}
          onChange={setKey}
          error={error}
          autoFocus
        />
        <FormActions>
          <button type="submit" className="primary" disabled={busy}>
            Sign in
          </button>
        </FormActions>
      </form>
    </main>
  );
}
