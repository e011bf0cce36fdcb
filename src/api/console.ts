import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
import { PROJECT_ROOT } from "../project-root.js";

/** Where `npm start` / `npm test` build the console (scripts/build-console.ts); never committed. */
export const CONSOLE_DIST = join(PROJECT_ROOT, "console", "dist");

/**
 * The console runs only its own files and talks only to this origin: no inline script or style,
 * nothing from elsewhere, no framing (clickjacking), no plugins, no <base> rewriting.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
};

/** A file name with an extension: an asset, never a page of the single-page app. */
const ASSET_PATH = /\.[a-z0-9]+$/i;

/**
 * `GET /console` and everything under `/console/`: the built single-page app. The page and its
 * assets need no key (the app asks for one and sends it to /v1 itself). Any path that is not a
 * file is a page of the app (e.g. /console/numbers/+6561234567), so it answers index.html.
 */
export async function registerConsole(app: FastifyInstance) {
  await app.register(async (scoped) => {
    await scoped.register(fastifyStatic, {
      root: CONSOLE_DIST,
      serve: false,
      preCompressed: true,
      // Hashed file names: an asset never changes under its name.
      immutable: true,
      maxAge: "365d",
    });
    scoped.addHook("onSend", async (_request, reply, payload) => {
      reply.headers(SECURITY_HEADERS);
      return payload;
    });

    const page = (reply: FastifyReply) => {
      if (!existsSync(join(CONSOLE_DIST, "index.html")))
        return reply
          .code(503)
          .type("text/plain; charset=utf-8")
          .send("The console has not been built: run `npm run build:console` (npm start does it).");
      // The page must be fetched again after a deploy to name the new assets.
      reply.header("cache-control", "no-cache");
      return reply.sendFile("index.html", { cacheControl: false });
    };
    const options = { config: { public: true }, schema: { hide: true } } as const;
    scoped.get("/console", options, async (_request, reply) => page(reply));
    scoped.get<{ Params: { "*": string } }>("/console/*", options, async (request, reply) => {
      const path = request.params["*"];
      if (ASSET_PATH.test(path)) return reply.sendFile(path);
      return page(reply);
    });
  });
}
