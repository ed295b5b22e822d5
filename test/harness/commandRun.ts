import { execFile } from "node:child_process";

export interface CommandRun {
  /** the exit code, or null when a signal ended the command */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` as a child process without blocking the test's process, so that several run at once. */
export function runCommand(command: string, args: string[], options: { cwd: string; timeoutMs?: number }): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: options.cwd, encoding: "utf8", timeout: options.timeoutMs ?? 0, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      // a string code: the command could not start
      if (typeof error?.code === "string") reject(error);
      else resolve({ code: error ? (error.code ?? null) : 0, stdout, stderr });
    });
  });
}
