// The plan's command starts the program's host before it loads the plan's modules; the first
// program session takes it only for the project it was started for.
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { forkProgramHostEarly, takeEarlyProgramHost } from "../../plan/engine/programHostFork";
import { FIXTURES, isAlive, ROOT } from "./helpers";
import { descendantsOf, isProgramHost, settled } from "./foreignProjects";

describe("the program host started early", () => {
  afterEach(() => void takeEarlyProgramHost(ROOT)?.kill("SIGKILL"));

  it("is taken, running, by a session for its project, and only once", () => {
    forkProgramHostEarly(ROOT);
    const host = takeEarlyProgramHost(ROOT);
    expect(host?.pid).toBeDefined();
    expect(isAlive(host!.pid!)).toBe(true);
    expect(takeEarlyProgramHost(ROOT)).toBeUndefined();
    host!.kill("SIGKILL");
  });

  it("is ended, not taken, by a session for another project", async () => {
    const before = new Set(descendantsOf(process.pid).filter(isProgramHost).map((child) => child.pid));
    forkProgramHostEarly(ROOT);
    const started = descendantsOf(process.pid).filter((child) => isProgramHost(child) && !before.has(child.pid));
    expect(started).toHaveLength(1);
    expect(takeEarlyProgramHost(path.join(FIXTURES, "legacy-project"))).toBeUndefined();
    expect(await settled(() => started.filter((child) => isAlive(child.pid)), 5000)).toEqual([]);
  });
});
