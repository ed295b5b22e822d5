"use strict";
// Preloaded (`node --require`) into every process the plan starts. The plan holds the write end of
// this process's stdin; when the plan ends in any way, SIGKILL included, the pipe closes and this
// process ends too, so no analyzer or program outlives the plan. A worker thread the program starts
// inherits the preload: there it watches nothing (its own stdin is not the plan's pipe).
const { isMainThread, Worker } = require("node:worker_threads");

if (isMainThread) {
  const end = () => process.kill(process.pid, "SIGKILL");
  process.stdin.on("end", end);
  process.stdin.on("close", end);
  process.stdin.on("error", end);
  process.stdin.resume();
  // Watching must not keep a process alive that would otherwise end (a pack that fails to load).
  if (typeof process.stdin.unref === "function") process.stdin.unref();

  // The pipe is noticed only when this process's event loop turns: a program that loops without end,
  // or modules still loading, would outlive the plan. A thread of its own ends this process as soon
  // as its parent is no longer the plan (AML_PLAN_PID), whatever the main thread does; a plan that
  // died before this process started is noticed at once.
  const planPid = Number(process.env.AML_PLAN_PID);
  if (Number.isInteger(planPid) && planPid > 0) {
    if (process.ppid !== planPid) end();
    const watcher = new Worker(
      `const { workerData } = require("node:worker_threads");
       setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, "SIGKILL"); }, 250);`,
      // An environment of its own: a NODE_OPTIONS preload (an APM agent) runs in the main thread only.
      { eval: true, workerData: planPid, execArgv: [], env: {}, stdin: false, stdout: false, stderr: false },
    );
    watcher.unref();
  }
}
