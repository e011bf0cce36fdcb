import { useState } from "react";
import { ApiError } from "../api/client";
import { type DownloadQuery, downloadNumbers } from "../lib/download";

/**
 * The seed's CSV and PDF buttons: the ticked rows when some are ticked (up to 1,000), else the
 * whole search when `wholeSearch` is given.
 */
export function ExportButtons({ ticked, wholeSearch }: { ticked: string[]; wholeSearch?: DownloadQuery }) {
  const [message, setMessage] = useState<{ text: string; problem: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const query: DownloadQuery | null =
    ticked.length > 0 ? { numbers: ticked.join(",") } : (wholeSearch ?? null);

  async function run(format: "csv" | "pdf") {
    if (!query) return;
    setBusy(true);
    setMessage(null);
    try {
      const name = await downloadNumbers(format, query);
      setMessage({ text: `Downloaded ${name}.`, problem: false });
    } catch (error) {
      setMessage({ text: error instanceof ApiError ? error.message : "The download failed.", problem: true });
    } finally {
      setBusy(false);
    }
  }

  const what =
    ticked.length > 0
      ? `${ticked.length} ticked ${ticked.length === 1 ? "row" : "rows"}`
      : wholeSearch
        ? "every number this search selects"
        : "tick rows to export them";
  return (
    <div className="export">
      <span className="export-what">Export {what}:</span>
      <button type="button" onClick={() => run("csv")} disabled={!query || busy}>
        CSV
      </button>
      <button type="button" onClick={() => run("pdf")} disabled={!query || busy}>
        PDF
      </button>
      {message ? (
        <span
          role={message.problem ? "alert" : "status"}
          className={message.problem ? "field-error" : "muted"}
        >
          {message.text}
        </span>
      ) : null}
    </div>
  );
}
