/**
 * The messages between the plan and a program's host process (`programHost.ts`), over IPC.
 * Kept apart from the host, whose module takes over the process that loads it.
 */
import { createHmac } from "node:crypto";

export interface HostSettings {
  runId: string;
  monitor: string;
  engine: string;
  project: string;
  stack: string;
  organization?: string;
  dryRun: boolean;
  projectDir: string;
  entryPoint: string;
  /** `<namespace>:<key>` → string or JSON, as the CLI passes config */
  config: Record<string, string>;
  secretKeys: string[];
}

/**
 * The first request of a process carries the session key, before any program code loads; later
 * ones carry a proof made with it, so a program cannot pose as the plan.
 */
export type HostRequest = { settings: HostSettings; sessionKey?: string; proof?: string };

export type HostMessage =
  | { runId: string; kind: "done"; proof: string; canRunAgain: boolean }
  | { runId: string; kind: "failed"; proof: string; message: string };

/** What proves a completion message: only the plan and the host know the session key. */
export function completionProof(sessionKey: string, runId: string, kind: HostMessage["kind"]): string {
  return createHmac("sha256", sessionKey).update(`${runId}:${kind}`).digest("hex");
}

/** What proves a run request after the first comes from the plan. */
export function requestProof(sessionKey: string, runId: string): string {
  return createHmac("sha256", sessionKey).update(`request:${runId}`).digest("hex");
}
