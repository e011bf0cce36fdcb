import { type FormEvent, useState } from "react";
import { Link } from "wouter";
import { api, unwrap } from "../api/client";
import type { SweepReport } from "../api/models";
import { FormActions, TextField } from "../components/fields";
import { Problem } from "../components/notices";
import { numberPath } from "../components/number-cells";
import { formatTime, isoToLocalInput, localInputToIso } from "../lib/format";

const NOTICE_NAMES: Record<string, string> = {
  reservation_expiring: "Reservation expiring",
  lock_expiring: "Lock expiring",
  lock_expired: "Lock expired, number released",
};

function NumberList({ title, numbers }: { title: string; numbers: string[] }) {
  return (
    <section className="sweep-list">
      <h3>
        {title} ({numbers.length})
      </h3>
      {numbers.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="number-list">
          {numbers.map((number) => (
            <li key={number}>
              <Link href={numberPath(number)}>{number}</Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Report({ report }: { report: SweepReport }) {
  return (
    <section aria-labelledby="report-title">
      <h2 id="report-title">What a sweep at {formatTime(report.at)} would do</h2>
      <NumberList title="Reservations that would expire" numbers={report.numbers.reservationsExpired} />
      <NumberList title="Locks that would expire" numbers={report.numbers.locksExpired} />
      <NumberList title="Cooldowns that would end" numbers={report.numbers.cooldownsEnded} />
      <section>
        <h3>E-mails that would be sent ({report.emails.length})</h3>
        {report.emails.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Recipient</th>
                <th scope="col">Notice</th>
                <th scope="col">Numbers and expiry</th>
              </tr>
            </thead>
            <tbody>
              {report.emails.flatMap((email) =>
                email.notices.map((notice) => (
                  <tr key={`${email.recipient}:${notice.kind}`}>
                    <th scope="row">{email.recipient}</th>
                    <td>{NOTICE_NAMES[notice.kind] ?? notice.kind}</td>
                    <td>
                      <ul className="number-list">
                        {notice.numbers.map((entry) => (
                          <li key={entry.number}>
                            {entry.number} ({formatTime(entry.expiresAt)})
                          </li>
                        ))}
                      </ul>
                    </td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}

/**
 * A dry run of the sweeps at a chosen instant (platform_admin): what would expire and who would
 * be e-mailed about what. Nothing changes and nothing is sent.
 */
export function SweepPreview() {
  const [at, setAt] = useState(() => isoToLocalInput(new Date().toISOString()));
  const [report, setReport] = useState<SweepReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function preview(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setReport(await unwrap(api.POST("/v1/sweeps", { body: { at: localInputToIso(at), dryRun: true } })));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <h1 id="sweep-title">Sweep preview</h1>
      <p>
        A dry run of every sweep as if the clock read the instant below: nothing is changed and no e-mail is
        sent.
      </p>
      <form onSubmit={preview} noValidate className="inline-form">
        <TextField label="Sweep as of (UTC)" type="datetime-local" value={at} onChange={setAt} />
        <FormActions>
          <button type="submit" className="primary" disabled={busy}>
            Preview
          </button>
        </FormActions>
      </form>
      {error ? <Problem error={error} /> : null}
      {report ? <Report report={report} /> : null}
    </section>
  );
}
