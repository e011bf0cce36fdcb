#!/usr/bin/env node
// The `numbers` command: runs the TypeScript CLI through tsx, no build step needed.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
