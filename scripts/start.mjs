// `npm start`: runs the server (workers/main.ts, compiled by server-build.mjs) with this process's
// arguments, e.g. `npm start -- --role api`.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureServerBuild } from "./server-build.mjs";

const build = await ensureServerBuild();
await import(pathToFileURL(join(build, "workers", "main.js")).href);
