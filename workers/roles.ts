/** A running role of the process: drain() stops taking new work, close() finishes and releases. */
export interface Role {
  name: string;
  drain?: () => void;
  close: () => Promise<void>;
}

export const ROLE_NAMES = ["api", "worker", "scheduler", "all"] as const;
export type RoleName = (typeof ROLE_NAMES)[number];
