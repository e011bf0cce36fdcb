import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { isRoot, which } from "./processes.js";

const CANDIDATES = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"];

/** A Chromium on this machine: CHROMIUM_PATH, or one of the usual names on PATH; null when none. */
export function findChromium(): string | null {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return existsSync(configured) ? configured : null;
  for (const name of CANDIDATES) {
    const path = which(name);
    if (path) return path;
  }
  return null;
}

/**
 * The browser the console's end-to-end tests, screenshots and benchmark drive. Playwright's own
 * browser download is not reachable from every machine, so we use the OS package, installed with
 * apt-get when it is missing and we run as root on Debian/Ubuntu (as for redis-server).
 */
export function ensureChromium(log: (message: string) => void = () => {}): string {
  const found = findChromium();
  if (found) return found;
  if (isRoot() && existsSync("/etc/debian_version") && which("apt-get")) {
    log("chromium is missing; installing it with apt-get");
    const install = spawnSync(
      "sh",
      ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    const installed = findChromium();
    if (install.status === 0 && installed) return installed;
  }
  throw new Error(
    "chromium is not installed: install it (e.g. `sudo apt-get install chromium`) or set CHROMIUM_PATH to a Chromium or Chrome binary.",
  );
}
