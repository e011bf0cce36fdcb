import { api, unwrap } from "../api/client";
import type { paths } from "../api/types";

export type DownloadQuery = NonNullable<paths["/v1/numbers.csv"]["get"]["parameters"]["query"]>;

/** The file name the API gives in Content-Disposition (`PhoneNumbers.csv`), else the default. */
function fileNameOf(response: Response, fallback: string): string {
  const header = response.headers.get("content-disposition") ?? "";
  const match = /filename="([^"]+)"/.exec(header);
  return match?.[1] ?? fallback;
}

/**
 * Fetches a CSV or PDF download with the tab's key (a plain link could not send it) and saves
 * it under the name the API chose.
 */
export async function downloadNumbers(format: "csv" | "pdf", query: DownloadQuery): Promise<string> {
  const call =
    format === "csv"
      ? api.GET("/v1/numbers.csv", { params: { query }, parseAs: "blob" })
      : api.GET("/v1/numbers.pdf", { params: { query }, parseAs: "blob" });
  let response: Response | undefined;
  const blob = (await unwrap(
    call.then((result) => {
      response = result.response;
      return result;
    }),
  )) as unknown as Blob;
  const fallback = format === "csv" ? "PhoneNumbers.csv" : "PhoneNumbers.pdf";
  const name = response ? fileNameOf(response, fallback) : fallback;
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}
