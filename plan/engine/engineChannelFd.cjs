// @ts-check
"use strict";
// Where the engine channel (`engineChannel.ts`) is in the program's process, and the variable by
// which the plan tells that process so. Plain CommonJS: the plan starts that process before it loads
// any TypeScript (`earlyStart.cjs`).

const ENGINE_CHANNEL_FD = 4;
/** Set by the plan in the program's process, which opens fd 4 only then (and removes it from its environment). */
const ENGINE_CHANNEL_VARIABLE = "AML_PLAN_ENGINE_CHANNEL_FD";

module.exports = { ENGINE_CHANNEL_FD, ENGINE_CHANNEL_VARIABLE };
