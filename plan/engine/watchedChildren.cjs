// @ts-check
"use strict";
const path = require("node:path");

/** Preload that ends a child process when this process ends, however it ends. */
const PARENT_WATCH = path.join(__dirname, "parentWatch.cjs");

/**
 * The environment of a process preloading PARENT_WATCH: it ends once its parent is not this process.
 * @param {NodeJS.ProcessEnv} env
 * @returns {NodeJS.ProcessEnv}
 */
function watchingThisProcess(env) {
  return { ...env, AML_PLAN_PID: String(process.pid) };
}

module.exports = { PARENT_WATCH, watchingThisProcess };
