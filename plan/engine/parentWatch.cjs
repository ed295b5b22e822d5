"use strict";
// Preloaded (`node --require`) into every process the plan starts. The plan holds the write end of
// this process's stdin; when the plan ends in any way, SIGKILL included, the pipe closes and this
// process ends too, so no analyzer or program outlives the plan.
const end = () => process.kill(process.pid, "SIGKILL");
process.stdin.on("end", end);
process.stdin.on("close", end);
process.stdin.on("error", end);
process.stdin.resume();
// Watching must not keep a process alive that would otherwise end (a pack that fails to load).
if (typeof process.stdin.unref === "function") process.stdin.unref();
