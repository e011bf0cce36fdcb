import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { type Stringifier, stringify } from "csv-stringify";
import type { ErrorCode } from "../error-codes.js";
import { spreadsheetSafe } from "../spreadsheet-cells.js";

export interface Reject {
  row: number;
  number: string | null;
  code: ErrorCode;
  message: string;
}

/**
 * The rejects CSV (row, number, code, message): every row that was not added and why. Created
 * with the first reject only, so a clean import leaves no empty file behind.
 */
export class RejectsFile {
  private csv: Stringifier | null = null;
  private file: WriteStream | null = null;
  count = 0;

  constructor(readonly path: string) {}

  async write(rejects: Reject[]): Promise<void> {
    for (const reject of rejects) {
      const csv = this.csv ?? (await this.open());
      this.count += 1;
      if (!csv.write(reject)) await new Promise((resolve) => csv.once("drain", resolve));
    }
  }

  private async open() {
    const file = createWriteStream(this.path);
    // An unwritable path fails the import at its first reject, not with an unhandled error later.
    await once(file, "open");
    this.file = file;
    // People open it in a spreadsheet: a refused cell that looks like a formula stays text.
    this.csv = stringify({
      header: true,
      columns: ["row", "number", "code", "message"],
      cast: { string: spreadsheetSafe },
    });
    this.csv.pipe(file);
    return this.csv;
  }

  /** The file's path, or null when nothing was rejected. */
  async close(): Promise<string | null> {
    if (!this.csv || !this.file) return null;
    this.csv.end();
    await finished(this.file);
    return this.path;
  }
}
