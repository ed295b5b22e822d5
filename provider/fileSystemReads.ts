import { createHash } from "node:crypto";
import type { System } from "typescript";

/** The methods of TypeScript's `ts.sys` that read the file system, and so decide what a compilation sees. */
const READ_METHODS = ["readFile", "fileExists", "directoryExists", "getDirectories", "readDirectory", "realpath"] as const;
type ReadMethod = (typeof READ_METHODS)[number];

/** One call to `ts.sys` and what it answered; a file's content is kept as its SHA-256. */
export interface FileSystemRead {
  method: ReadMethod;
  args: unknown[];
  answer: string | boolean | string[] | null;
}

type AnyRead = (...args: unknown[]) => unknown;

function recordedAnswer(method: ReadMethod, answer: unknown): FileSystemRead["answer"] {
  if (method === "readFile") return typeof answer === "string" ? createHash("sha256").update(answer).digest("hex") : null;
  if (typeof answer === "boolean" || typeof answer === "string") return answer;
  if (Array.isArray(answer)) return answer.map(String);
  return null;
}

/**
 * Runs `work` with every read of `sys` recorded: the same reads giving the same answers later mean
 * that `work` would see the same files (`readsStillHold`). Each distinct call is kept once.
 */
export function recordReads<T>(sys: System, work: () => T): { result: T; reads: FileSystemRead[] } {
  const reads = new Map<string, FileSystemRead>();
  const target = sys as unknown as Record<ReadMethod, AnyRead | undefined>;
  const originals = READ_METHODS.map((method) => [method, target[method]] as const);
  for (const [method, original] of originals) {
    if (!original) continue;
    target[method] = (...args: unknown[]) => {
      const answer = original.apply(sys, args);
      const key = JSON.stringify([method, args]);
      if (!reads.has(key)) reads.set(key, { method, args, answer: recordedAnswer(method, answer) });
      return answer;
    };
  }
  let result: T;
  try {
    result = work();
  } finally {
    for (const [method, original] of originals) target[method] = original;
  }
  // A file found but never read through `sys` may still be loaded (the SDK requires a resource's
  // JavaScript for its type token): its content counts too.
  for (const read of [...reads.values()]) {
    const key = JSON.stringify(["readFile", read.args]);
    if (read.method === "fileExists" && read.answer === true && !reads.has(key)) {
      reads.set(key, { method: "readFile", args: read.args, answer: recordedAnswer("readFile", sys.readFile(String(read.args[0]))) });
    }
  }
  return { result, reads: [...reads.values()] };
}

/** Whether every recorded read of `sys` still gives the answer it gave. */
export function readsStillHold(sys: System, reads: readonly FileSystemRead[]): boolean {
  const target = sys as unknown as Record<ReadMethod, AnyRead | undefined>;
  return reads.every((read) => {
    const method = target[read.method];
    if (!method) return false;
    // JSON keeps an argument left out (readDirectory's `exclude`) as null, which these methods never take
    const args = read.args.map((arg) => (arg === null ? undefined : arg));
    try {
      return JSON.stringify(recordedAnswer(read.method, method.apply(sys, args))) === JSON.stringify(read.answer);
    } catch {
      return false;
    }
  });
}
