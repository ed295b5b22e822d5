import { createHash } from "node:crypto";
import type { System } from "typescript";

/** The methods of TypeScript's `ts.sys` that read the file system, and so decide what a compilation sees. */
export const READ_METHODS = ["readFile", "fileExists", "directoryExists", "getDirectories", "readDirectory", "realpath"] as const;
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
  const record = (method: ReadMethod, args: unknown[], answer: unknown): void => {
    const key = JSON.stringify([method, args]);
    if (!reads.has(key)) reads.set(key, { method, args, answer: recordedAnswer(method, answer) });
  };
  const target = sys as unknown as Record<ReadMethod, AnyRead | undefined>;
  const patched = READ_METHODS.flatMap((method) => {
    const original = target[method];
    return original ? [[method, original] as const] : [];
  });
  const readFile = target.readFile;
  for (const [method, original] of patched) {
    target[method] = (...args: unknown[]) => {
      const answer = original.apply(sys, args);
      record(method, args, answer);
      // A file found may be loaded without a read through `sys` (the SDK requires a resource's
      // JavaScript for its type token): its content, as it is now, counts too.
      if (method === "fileExists" && answer === true && readFile) record("readFile", args.slice(0, 1), readFile.apply(sys, args.slice(0, 1)));
      return answer;
    };
  }
  try {
    return { result: work(), reads: [...reads.values()] };
  } finally {
    for (const [method, original] of patched) target[method] = original;
  }
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
