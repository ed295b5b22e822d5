import { describe, expect, it, vi } from "vitest";
import { withoutStackTraces } from "./withoutStackTraces";

const framesOf = (error: Error): string[] => (error.stack ?? "").split("\n").filter((line) => line.trimStart().startsWith("at "));

describe("withoutStackTraces", () => {
  it("captures no frames while any run is under way, and gives them back when the last one ends", async () => {
    const before = Error.stackTraceLimit;
    expect(before).toBeGreaterThan(0);
    let endFirst: () => void = () => undefined;
    const first = withoutStackTraces(() => new Promise<void>((resolve) => (endFirst = resolve)));
    let errorInSecond: Error | undefined;
    await withoutStackTraces(async () => {
      errorInSecond = new Error("inside");
    });
    expect(framesOf(errorInSecond!)).toEqual([]);
    // the first run still goes on
    expect(Error.stackTraceLimit).toBe(0);
    endFirst();
    await first;
    expect(Error.stackTraceLimit).toBe(before);
    expect(framesOf(new Error("after")).length).toBeGreaterThan(0);
  });

  it("gives the frames back when a run fails", async () => {
    const before = Error.stackTraceLimit;
    await expect(withoutStackTraces(() => Promise.reject(new Error("failed run")))).rejects.toThrow("failed run");
    expect(Error.stackTraceLimit).toBe(before);
  });

  it("keeps the frames with AML_TEST_STACK_TRACES=1, to debug a test", async () => {
    vi.stubEnv("AML_TEST_STACK_TRACES", "1");
    try {
      const error = await withoutStackTraces(async () => new Error("inside"));
      expect(framesOf(error).length).toBeGreaterThan(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
