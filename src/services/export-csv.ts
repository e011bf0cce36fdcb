import type { Socket } from "node:net";
import { pipeline, type Readable, Transform } from "node:stream";
import { to as copyTo } from "pg-copy-streams";
import { numbersCsvCopyStatement } from "../db/number-csv.js";
import type { Dependencies } from "../dependencies.js";
import type { Principal } from "./principal.js";
import { type DownloadQuery, parseSearch } from "./search.js";

/** The file name a download is offered under (`PhoneNumbers.csv`, `PhoneNumbers.pdf`, as the Phone Numbers help names them). */
export const DOWNLOAD_NAME = "PhoneNumbers";

/**
 * The numbers a search selects as CSV, streamed from Postgres (`COPY … TO STDOUT`) with
 * backpressure: a slow client pauses the socket to Postgres, so memory stays flat whatever the
 * size. Resolves once Postgres has sent the first bytes, so a failure to start is still an
 * ordinary error response. If the stream ends early (the client went away, an error), the
 * connection is destroyed rather than returned half-way through a COPY.
 */
export async function openNumbersCsv(
  deps: Dependencies,
  principal: Principal,
  query: DownloadQuery,
): Promise<{ stream: Readable; filename: string }> {
  const { sort, filters } = parseSearch(query);
  const statement = numbersCsvCopyStatement(deps.db, principal.scope, filters, sort);
  // The export pool: a download can wait on its client for minutes without taking a connection
  // the API or the workers need.
  const client = await deps.exportPool.connect();
  let markStarted: () => void = () => {};
  let failToStart: (error: Error) => void = () => {};
  const started = new Promise<void>((resolve, reject) => {
    markStarted = resolve;
    failToStart = reject;
  });
  const output = new Transform({
    transform(chunk, _encoding, callback) {
      markStarted();
      callback(null, chunk);
    },
  });
  pipeline(client.query(copyTo(statement)), output, (error) => {
    client.release(error ?? undefined);
    if (error) {
      // The pool discards the connection, but a polite close would wait behind a server blocked
      // writing COPY data nobody reads: cut the socket, and the backend ends the query at once.
      (client as unknown as { connection: { stream: Socket } }).connection.stream.destroy();
      failToStart(error);
      deps.log.warn({ err: error }, "csv export ended early");
    }
  });
  await started;
  return { stream: output, filename: `${DOWNLOAD_NAME}.csv` };
}
