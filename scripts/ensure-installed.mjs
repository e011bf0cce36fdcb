// `npm start` / `npm test` on a fresh clone: install dependencies when they are missing.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";

if (!existsSync("node_modules/.package-lock.json") || !existsSync("node_modules/tsx")) {
  console.error("numbers: installing dependencies (npm ci)…");
  execSync(
    existsSync("package-lock.json") ? "npm ci --no-audit --no-fund" : "npm install --no-audit --no-fund",
    {
      stdio: "inherit",
    },
  );
}
