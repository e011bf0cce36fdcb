/** The roles a process can run (`--role`); `all` runs every one of them in one process. */
export const PROCESS_ROLES = ["api", "worker", "scheduler", "all"] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

/**
 * A role running in this process: drain() stops taking new work, close() finishes and releases.
 * (Not to be confused with an API key's `Role` in src/lifecycle/states.ts.)
 */
export interface RunningRole {
  name: string;
  drain?: () => void;
  close: () => Promise<void>;
}
