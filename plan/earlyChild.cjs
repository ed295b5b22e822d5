// @ts-check
"use strict";
// A child process started before the plan needs it (`earlyStart.cjs`): the first caller that would
// start the same one takes it; any other caller, or a process that has ended meanwhile, gets nothing
// and the process is killed. Until it is taken it is killed when this process exits.

class EarlyChild {
  constructor() {
    /** @private @type {{ child: import("node:child_process").ChildProcess; key: string } | undefined} */
    this.started = undefined;
    /** @private */
    this.killOnExit = () => void this.started?.child.kill("SIGKILL");
  }

  /**
   * Starts the process that `key` describes; nothing when one was started already or it fails to start.
   * @param {string} key
   * @param {() => import("node:child_process").ChildProcess} startChild
   * @returns {import("node:child_process").ChildProcess | undefined}
   */
  start(key, startChild) {
    if (this.started) return undefined;
    let child;
    try {
      child = startChild();
    } catch {
      return undefined; // the caller that starts it itself reports why it cannot
    }
    child.on("error", () => undefined); // likewise; until taken, nothing else listens
    this.started = { child, key };
    process.on("exit", this.killOnExit);
    return child;
  }

  /**
   * The process started for `key`, if it still runs (what it wrote waits in its pipes); the caller's from now on.
   * @param {string} key
   * @returns {import("node:child_process").ChildProcess | undefined}
   */
  take(key) {
    const taken = this.started;
    this.started = undefined;
    process.off("exit", this.killOnExit);
    if (!taken) return undefined;
    const { child } = taken;
    if (taken.key !== key || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
      child.kill("SIGKILL");
      return undefined;
    }
    return child;
  }
}

module.exports = { EarlyChild };
