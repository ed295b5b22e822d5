// @ts-check
"use strict";
// The plan's program host and policy pack start before the plan loads anything else (its bundle or
// TypeScript loader: gRPC, the engine, the reports), so that all three load at once. Plain CommonJS
// and light; the processes are taken by the plan's program session and analyzer when they start the
// same ones, and killed otherwise. No program code runs before the plan asks for a run, which it
// does once the pack has loaded.
const { existsSync } = require("node:fs");
const path = require("node:path");
const { forkProgramHostEarly } = require("./engine/programHostFork.cjs");
const { defaultPackCacheDir, packStartFromEnvironment, spawnPackEarly } = require("./packProcess.cjs");
const { planDirectories, readPlanOptions } = require("./planOptions.cjs");

/**
 * Starts the processes the plan command in `argv` will use; nothing for help or an option error. A
 * command refused later (a stack without a file, say) has them killed when it exits.
 * @param {string[]} argv
 */
function startPlanProcessesEarly(argv) {
  let values;
  try {
    values = readPlanOptions(argv);
  } catch {
    return; // the command reports it
  }
  if (values.help) return;
  const { projectDir, packDir } = planDirectories(values);
  if (existsSync(path.join(packDir, "PulumiPolicy.yaml"))) {
    spawnPackEarly({ packDir, start: packStartFromEnvironment(), cacheDir: defaultPackCacheDir() });
  }
  forkProgramHostEarly(projectDir);
}

module.exports = { startPlanProcessesEarly };
