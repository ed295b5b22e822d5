"use strict";
// Preloaded (NODE_OPTIONS) into the aml-webservices command by a test: writes to
// $AML_TEST_LATE_MODULES the modules the command's own process loaded (`loaded`) and, for a plan,
// those it loaded after it sent its first run request (`late`), when program code may already run
// and may have rewritten them. Does nothing in the processes the plan starts.
const childProcess = require("node:child_process");
const fs = require("node:fs");
const Module = require("node:module");

const report = process.env.AML_TEST_LATE_MODULES;
if (report && process.send === undefined && /aml-webservices\.js$/.test(process.argv[1] ?? "")) {
  /** @type {Set<string> | undefined} */
  let loadedBeforeFirstRun;
  const fork = childProcess.fork;
  childProcess.fork = function forkWatchingRunRequests(...args) {
    const child = fork.apply(this, /** @type {any} */ (args));
    const send = child.send;
    child.send = function sendNoting(/** @type {any} */ message, /** @type {any[]} */ ...rest) {
      if (!loadedBeforeFirstRun && message?.settings) loadedBeforeFirstRun = new Set(Object.keys(/** @type {any} */ (Module)._cache));
      return send.call(this, message, ...rest);
    };
    return child;
  };
  process.on("exit", () => {
    const loaded = Object.keys(/** @type {any} */ (Module)._cache);
    const late = loadedBeforeFirstRun ? loaded.filter((file) => !loadedBeforeFirstRun?.has(file)) : ["(no run request was sent)"];
    fs.writeFileSync(report, JSON.stringify({ loaded, late }));
  });
}
