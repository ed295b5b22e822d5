import * as path from "node:path";

/** Preload that ends a child process when this process ends, however it ends. */
export const PARENT_WATCH = path.join(__dirname, "parentWatch.cjs");

/** The environment of a process preloading PARENT_WATCH: it ends once its parent is not this process. */
export function watchingThisProcess(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, AML_PLAN_PID: String(process.pid) };
}
