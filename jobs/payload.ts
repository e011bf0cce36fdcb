import { UnrecoverableError } from "bullmq";
import type { z } from "zod";

/**
 * Job data is untrusted input: anyone who can write to Redis (or a dashboard that could add jobs)
 * can put anything there. A payload that does not parse fails the job at once, without retries,
 * and the error names the fields only, never their values.
 */
export function parsePayload<Schema extends z.ZodType>(schema: Schema, data: unknown): z.infer<Schema> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join(".") || "(the data)"))];
  throw new UnrecoverableError(`The job's data is not valid (${fields.join(", ")}); it was not run.`);
}
