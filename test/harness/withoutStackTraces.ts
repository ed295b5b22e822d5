let running = 0;
let limitBefore = Error.stackTraceLimit;

/**
 * Runs `run` with errors capturing no stack frames, as the plan runs a program
 * (`--stack-trace-limit=0`, `programHostFork.cjs`). Pulumi's runtime captures a stack for every
 * promise and resource, and under vitest each is source-mapped: a fifth of the in-process tests'
 * time. Counted, because concurrent tests overlap; frames come back when the last run ends.
 * `AML_TEST_STACK_TRACES=1` keeps them, to debug a test.
 */
export async function withoutStackTraces<T>(run: () => Promise<T>): Promise<T> {
  if (process.env.AML_TEST_STACK_TRACES === "1") return run();
  if (running++ === 0) {
    limitBefore = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
  }
  try {
    return await run();
  } finally {
    if (--running === 0) Error.stackTraceLimit = limitBefore;
  }
}
