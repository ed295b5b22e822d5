/**
 * The end of a program's run, as the Pulumi CLI's Node.js host ends it (@pulumi/pulumi
 * cmd/run/index.js): the process runs until its event loop is empty and Node.js emits `beforeExit`;
 * the host then lets the loop turn once more, and at a later `beforeExit` whose exit code is 0 it
 * signals the engine. What a program registers after its module returned, from a timer, an I/O
 * callback, a worker's message, thread-pool work (crypto, zlib) or a `beforeExit` listener, is
 * deployed, so it is part of the run.
 *
 * Node.js itself decides that the loop is empty: libuv counts what JavaScript cannot see, such as a
 * worker or a crypto job. Meanwhile this process's own handle, the plan's IPC channel, lets go of the
 * loop. A `beforeExit` a program emits itself while timers or handles are pending ends nothing; one
 * it emits otherwise ends its run, as it makes the CLI's host signal the engine, which then takes no
 * more registrations. No check of the emitter's stack: libraries wrap `process.emit` (signal-exit,
 * `node:domain`), and Node.js's own emission then has their frames below it.
 */

// Taken when the host loads, before any program code runs, so that a program cannot replace them.
const activeResources = process.getActiveResourcesInfo.bind(process);
const onBeforeExit = process.on.bind(process, "beforeExit") as (listener: (code: number) => void) => void;
const removeBeforeExit = process.removeListener.bind(process, "beforeExit") as (listener: (code: number) => void) => void;
const listeners = process.listeners.bind(process);
const beforeExitListeners = (): Array<(code: number) => void> => listeners("beforeExit");
const nextTick = process.nextTick.bind(process);
const immediate = setImmediate;

/** The plan's IPC channel, which keeps this process alive between runs. */
export interface PlanChannel {
  ref(): void;
  unref(): void;
}

type ActiveResources = ReadonlyMap<string, number>;

function countByKind(kinds: readonly string[]): ActiveResources {
  const counts = new Map<string, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

function withinBaseline(now: ActiveResources, baseline: ActiveResources): boolean {
  for (const [kind, count] of now) if (count > (baseline.get(kind) ?? 0)) return false;
  return true;
}

/**
 * Resolves at the `beforeExit` on which the CLI's host would signal the engine: not the first one
 * (it lets the loop turn once more), one whose exit code is 0. A program that always has more to do
 * never ends its run, as under the CLI, and the plan's time limit ends it; one whose exit code stays
 * other than 0 lets this process end with it, a failed run.
 */
function untilEventLoopEmpties(channel: PlanChannel | undefined, baseline: ActiveResources): Promise<void> {
  return new Promise((resolve) => {
    // Node.js emits it with nothing left: one a program emits while timers or handles are pending ends nothing
    const loopEmpty = (): boolean => withinBaseline(countByKind(activeResources()), baseline);
    let deciderAdded = false;
    // As the CLI's host: the decision is taken by a listener added once the first `beforeExit` has
    // reached every listener there was, after one more turn of the loop.
    const first = (): void => {
      if (deciderAdded || !loopEmpty()) return;
      nextTick(() => {
        if (deciderAdded) return;
        deciderAdded = true;
        immediate(() => undefined);
        onBeforeExit(decide);
      });
    };
    const decide = (code: number): void => {
      if (code !== 0 || !loopEmpty()) return;
      removeBeforeExit(first);
      removeBeforeExit(decide);
      channel?.ref();
      resolve();
    };
    onBeforeExit(first);
    channel?.unref();
  });
}

/**
 * Taken just before the program loads: what keeps the loop alive then, and the `beforeExit` listeners
 * there are. `untilEmptied` resolves once the run is over, and removes the listeners the run added: a
 * run in a process of its own would take them with it, and the next run must not call them.
 */
export function watchProgramLoop(): { untilEmptied(channel: PlanChannel | undefined): Promise<void> } {
  const baseline = countByKind(activeResources());
  const listenersBefore = new Set(beforeExitListeners());
  return {
    async untilEmptied(channel) {
      await untilEventLoopEmpties(channel, baseline);
      for (const listener of beforeExitListeners()) if (!listenersBefore.has(listener)) removeBeforeExit(listener);
    },
  };
}
