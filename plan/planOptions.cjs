// @ts-check
"use strict";
// The plan command's options, checked as far as they can be without reading the project: read by
// the command itself (`cli.ts`) and, to start the plan's processes early, by `earlyStart.cjs`, which
// starts nothing for a command that fails here. Plain CommonJS: read before any TypeScript loads.
const path = require("node:path");
const { parseArgs } = require("node:util");

/** This package's root: the default project and the home of the default policy pack. */
const PACKAGE_ROOT = path.resolve(__dirname, "..");

const PLAN_OPTIONS = /** @type {const} */ ({
  stack: { type: "string" },
  "all-stacks": { type: "boolean" },
  cwd: { type: "string" },
  "policy-pack": { type: "string" },
  "policy-pack-config": { type: "string" },
  format: { type: "string" },
  out: { type: "string" },
  timeout: { type: "string" },
  compare: { type: "string" },
  help: { type: "boolean", short: "h" },
});

const FORMATS = /** @type {const} */ (["text", "markdown", "json"]);
/** @typedef {(typeof FORMATS)[number]} ReportFormat */

/** @param {string[]} argv */
const parsePlanOptions = (argv) => parseArgs({ args: argv, allowPositionals: false, strict: true, options: PLAN_OPTIONS }).values;
/** @typedef {ReturnType<typeof parsePlanOptions>} PlanOptionValues */

const MAX_TIMEOUT_SECONDS = 86_400;

/** An option the command cannot take; the command reports it as a usage error. */
class PlanOptionError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "PlanOptionError";
  }
}

/**
 * The options in `argv`; a `PlanOptionError` naming the option for an unknown option, a positional,
 * a missing or empty value, an unknown format or a time limit that is not a number of seconds.
 * @param {string[]} argv
 * @returns {PlanOptionValues}
 */
function readPlanOptions(argv) {
  /** @type {PlanOptionValues} */
  let values;
  try {
    values = parsePlanOptions(argv);
  } catch (error) {
    throw new PlanOptionError(/** @type {Error} */ (error).message.replace(/\. To specify a positional.*$/s, ""));
  }
  if (values.help) return values;
  if (values.format !== undefined && !(/** @type {readonly string[]} */ (FORMATS)).includes(values.format)) {
    throw new PlanOptionError(`--format must be one of ${FORMATS.join(", ")}, got '${values.format}'`);
  }
  for (const option of /** @type {const} */ (["stack", "cwd", "policy-pack", "policy-pack-config", "out", "compare"])) {
    const value = values[option];
    if (value !== undefined && value.trim() === "") throw new PlanOptionError(`--${option} needs a value`);
  }
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (values.timeout.trim() === "" || !Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
      throw new PlanOptionError(`--timeout must be a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS}, got '${values.timeout}'`);
    }
  }
  return values;
}

/**
 * The project to plan (`--cwd`) and the policy pack (`--policy-pack`), defaults applied.
 * @param {PlanOptionValues} values
 * @returns {{ projectDir: string; packDir: string }}
 */
function planDirectories(values) {
  return {
    projectDir: path.resolve(values.cwd ?? PACKAGE_ROOT),
    packDir: path.resolve(values["policy-pack"] ?? path.join(PACKAGE_ROOT, "policies")),
  };
}

module.exports = { PlanOptionError, readPlanOptions, planDirectories };
