import type { FastifyInstance, FastifyRequest } from "fastify";
import { controlCharacterIn } from "../control-characters.js";
import { errorBody } from "./error-handler.js";

/**
 * How deep a JSON body may nest. Nothing the API takes needs more than a few levels (call
 * settings are free-form but flat in practice); without a bound a 1 MB body can nest half a
 * million levels, and JSON.stringify of it (to size or store it) overflows the stack.
 */
export const MAX_JSON_DEPTH = 32;
/** A body with many bad fields is answered with the first ones only. */
const MAX_PROBLEMS = 20;

interface Problem {
  field: string;
  message: string;
}

/** A key as a field name can show it: control characters written out as \u escapes. */
const shownKey = (key: string) => (controlCharacterIn(key) ? JSON.stringify(key).slice(1, -1) : key);

/**
 * Every string (and object key) in a parsed value, without recursion so no input can overflow the
 * stack: refused control characters and nesting deeper than MAX_JSON_DEPTH are reported with the
 * field's path, as validation errors name fields (`body.numbers.0.vendor`).
 */
export function findInputProblems(value: unknown, root: string, problems: Problem[] = []): Problem[] {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current === "string") {
      const character = controlCharacterIn(current);
      if (character)
        problems.push({
          field: path,
          message: `contains a control character (${character}); only tab, line feed and carriage return are allowed`,
        });
      continue;
    }
    if (current === null || typeof current !== "object") continue;
    if (depth >= MAX_JSON_DEPTH) {
      problems.push({ field: path, message: `is nested more than ${MAX_JSON_DEPTH} levels deep` });
      continue;
    }
    const entries = Array.isArray(current) ? current.entries() : Object.entries(current);
    const children: { value: unknown; path: string; depth: number }[] = [];
    for (const [key, child] of entries) {
      const name = String(key);
      const childPath = `${path}.${shownKey(name)}`;
      if (!Array.isArray(current) && controlCharacterIn(name))
        problems.push({ field: childPath, message: "has a name with a control character" });
      children.push({ value: child, path: childPath, depth: depth + 1 });
    }
    // Reversed onto the stack so fields are reported in the order they were sent.
    stack.push(...children.reverse());
  }
  return problems;
}

function problemsOf(request: FastifyRequest): Problem[] {
  const problems: Problem[] = [];
  findInputProblems(request.params, "params", problems);
  findInputProblems(request.query, "querystring", problems);
  findInputProblems(request.headers, "headers", problems);
  findInputProblems(request.body, "body", problems);
  return problems.slice(0, MAX_PROBLEMS);
}

/**
 * One check for every route, present and future, before any route's own validation: path,
 * query, headers and JSON body may not carry control characters (NUL and the other C0 codes but
 * tab, line feed and carriage return) nor nest deeper than MAX_JSON_DEPTH. The answer is the
 * contract's `400 validation_failed` naming each field, and nothing is read or changed.
 */
export function guardInput(app: FastifyInstance) {
  app.addHook("preValidation", async (request, reply) => {
    const problems = problemsOf(request);
    if (problems.length === 0) return;
    const listed = problems.map((problem) => `${problem.field} ${problem.message}`).join("; ");
    // Sent here rather than thrown: routes of plugins with their own error handler (the
    // dashboard) answer the contract's body too.
    return reply
      .code(400)
      .send(errorBody("validation_failed", `The request is invalid: ${listed}.`, problems));
  });
}
