/**
 * When a program's run is over, as the Pulumi CLI's Node.js host decides it: the host lets the
 * process run until its event loop is empty, then emits `beforeExit` (whose listeners may start more
 * work) and only then signals the engine. Resources a program registers from a timer, an I/O callback
 * or a `beforeExit` listener after its module returned are part of the deployment (the SDK's
 * runtime/callbacks.js names `setTimeout(() => new Resource(...), 2000)`), so they are part of the run.
 *
 * This process never empties its loop (the plan's IPC channel keeps it alive), so "empty" is: no
 * more handles, requests or timers keeping the loop alive, by kind, than before the program loaded,
 * and no call of the SDK to the engine in flight.
 */

/** What the host reads, captured before any program code runs, so that a program cannot replace it. */
export interface IdleProbes {
  /** `process.getActiveResourcesInfo`: the kinds of what keeps the event loop alive */
  activeResources: () => string[];
  /** the SDK's `runtime.waitForRPCs`: resolves once its calls, and those their replies start, are done */
  waitForRpcs: () => Promise<void>;
  /** emits `beforeExit` to the process's listeners; false when there are none */
  emitBeforeExit: () => boolean;
}

/** How long the host waits between two looks at a loop that is not empty yet. */
const LOOK_AGAIN_MS = 5;

export type ActiveResources = ReadonlyMap<string, number>;

export function countByKind(kinds: readonly string[]): ActiveResources {
  const counts = new Map<string, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

function withinBaseline(now: ActiveResources, baseline: ActiveResources): boolean {
  for (const [kind, count] of now) if (count > (baseline.get(kind) ?? 0)) return false;
  return true;
}

/** A pause that does not itself keep the loop alive, nor count as the program's work. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Whether the SDK has no call in flight: its wait resolves within the current turn of the loop. */
async function rpcsDone(probes: IdleProbes): Promise<boolean> {
  return Promise.race([probes.waitForRpcs().then(() => true), pause(0).then(() => false)]);
}

async function loopEmptied(probes: IdleProbes, baseline: ActiveResources): Promise<boolean> {
  return withinBaseline(countByKind(probes.activeResources()), baseline) && (await rpcsDone(probes));
}

/**
 * Resolves once the program has nothing left to do: its loop is empty, `beforeExit` has been emitted,
 * and its listeners started nothing. A program that always has more to do never ends its run, as
 * under the CLI; the plan's time limit ends it.
 */
export async function untilProgramIdle(probes: IdleProbes, baseline: ActiveResources): Promise<void> {
  for (;;) {
    await probes.waitForRpcs();
    while (!(await loopEmptied(probes, baseline))) {
      await pause(LOOK_AGAIN_MS);
      await probes.waitForRpcs();
    }
    if (!probes.emitBeforeExit()) return;
    // the listeners' work starts within this turn; none started: the loop stays empty, as Node.js exits
    await pause(0);
    if (await loopEmptied(probes, baseline)) return;
  }
}
