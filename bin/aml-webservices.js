#!/usr/bin/env node
"use strict";
// aml-webservices: the offline plan of a Pulumi stack (`aml-webservices plan --help`) and the
// credentials and calls of its endpoints (`aml-webservices endpoint --help`).
// Plain CommonJS: starts a plan's processes, registers a TypeScript loader, then runs the command's module.

require("../plan/youngGeneration.cjs").growYoungGenerationAtOnce();

const USAGE = `Usage: aml-webservices <command> [options]

Commands:
  plan      evaluate a stack offline and run the policy pack on it
  endpoint  keys, key rotation, tokens and scoring calls of a stack's endpoints

Run \`aml-webservices <command> --help\` for the options.
`;

const COMMANDS = {
  plan: "../plan/cli.ts",
  endpoint: "../client/cli/endpointCommand.ts",
};

const args = process.argv.slice(2);
const command = args[0];

if (command === undefined) {
  process.stderr.write(`error: missing command\n\n${USAGE}`);
  process.exit(2);
}
if (command === "--help" || command === "-h" || command === "help") {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (!Object.hasOwn(COMMANDS, command)) {
  process.stderr.write(`error: unknown command '${command}': one of ${Object.keys(COMMANDS).join(", ")}\n\n${USAGE}`);
  process.exit(2);
}

// Exit through process.exit on signals too, so child processes are killed at once ('exit' handlers);
// on SIGKILL they end by themselves when their stdin pipe closes (plan/engine/parentWatch.cjs).
for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129], ["SIGQUIT", 131]]) {
  process.on(signal, () => process.exit(code));
}

// A plan's program host and policy pack start first, loading while this process loads the plan's
// modules (plain CommonJS until then).
if (command === "plan") require("../plan/earlyStart.cjs").startPlanProcessesEarly(args.slice(1));

const path = require("node:path");
const ownTsconfig = path.join(__dirname, "..", "tsconfig.json");
const entries = [COMMANDS[command], "../plan/planErrors.ts"].map((file) => path.join(__dirname, file));

// An error that escapes everything (e.g. thrown from a program's callback on a later tick) still
// ends with a message and exit code 2, never a stack trace.
let withoutStackFrames = (/** @type {string} */ message) => message;
const fail = (error) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${withoutStackFrames(message)}\n`);
  process.exit(2);
};
process.on("uncaughtException", fail);

loadModules().then(([commandModule, planErrors]) => {
  withoutStackFrames = planErrors.withoutStackFrames;
  return commandModule.main(args.slice(1));
}).then(
  (code) => {
    // Flush what was written, then exit even if a library left a handle open.
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
  },
  fail,
);

/**
 * The command's module and the plan's errors module, from their bundle (plan/commandBundle.cjs),
 * compiled with this package's tsconfig.json, when it can be built. Otherwise TypeScript runs
 * through tsx, kept off node_modules and without source maps unless AML_PLAN_DEBUG=1 (which always
 * runs the sources). The plan's own TypeScript compiles with this package's tsconfig.json: tsx reads
 * the one in the working directory otherwise, whose `paths` would remap the plan's own imports. The
 * program's process reads the project's. Each command keeps a code cache of its own (plan/codeCache.cjs).
 */
async function loadModules() {
  const hasOwnTsconfig = require("node:fs").existsSync(ownTsconfig);
  if (process.env.AML_PLAN_DEBUG !== "1") {
    require("../plan/codeCache.cjs").enableCodeCache(`${path.basename(__filename, ".js")}-${command}`);
    const bundled = hasOwnTsconfig ? await require("../plan/commandBundle.cjs").loadBundle(entries, { packageDir: path.join(__dirname, ".."), tsconfig: ownTsconfig }) : undefined;
    if (bundled) return bundled.modules;
  }
  const givenTsconfig = process.env.TSX_TSCONFIG_PATH;
  if (hasOwnTsconfig) process.env.TSX_TSCONFIG_PATH = ownTsconfig;
  if (process.env.AML_PLAN_DEBUG === "1") require("tsx/cjs/api").register();
  else require("../plan/typescriptLoader.cjs");
  if (givenTsconfig === undefined) delete process.env.TSX_TSCONFIG_PATH;
  else process.env.TSX_TSCONFIG_PATH = givenTsconfig;
  return entries.map((entry) => require(entry));
}
