import { AppError } from "../error-codes.js";

/**
 * Downloads running at once in this process. A CSV download holds a connection of the export
 * pool for as long as its client reads, and a PDF the CPU that draws it: past EXPORT_CONCURRENCY
 * a new one is refused at once with 429 rather than queued behind slow clients.
 */
export function createDownloadSlots(limit: number) {
  let running = 0;
  return {
    /** Takes a slot, or refuses; the returned function gives it back (once, however often called). */
    take(): () => void {
      if (running >= limit)
        throw new AppError(
          "too_many_requests",
          `${limit} downloads are already running on this server; try again when one has finished.`,
        );
      running += 1;
      let returned = false;
      return () => {
        if (returned) return;
        returned = true;
        running -= 1;
      };
    },
    get running() {
      return running;
    },
  };
}

export type DownloadSlots = ReturnType<typeof createDownloadSlots>;
