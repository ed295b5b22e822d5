// @ts-check
"use strict";
// The plan's processes are short-lived and allocate most of what they hold within their first
// second (modules, then resources). V8's young generation starts small and grows as it fills,
// scavenging each time; what survives two scavenges is promoted to the old generation, whose growth
// then starts full collections.
//
// The program's and the policy pack's processes, which the plan starts, get 32 MiB semi-spaces on
// their command line (set at run time, these flags do not hold). On the dev stack the program's
// process collected nineteen times with V8's defaults, six times (a full collection among them) with
// 16 MiB, twice with 32 MiB; the pack's eleven times with the defaults, not at all with 32 MiB.
const YOUNG_GENERATION_FLAGS = ["--min-semi-space-size=32", "--max-semi-space-size=32"];

/**
 * The plan's own process is started by whoever runs the command, so its flags cannot be given: its
 * young generation grows to its default maximum at the first scavenge that leaves it full, instead of
 * doubling each time (twelve scavenges on the dev stack, five this way). Called first, before any
 * code is compiled: V8's code cache is valid only under the flags it was made with.
 */
function growYoungGenerationAtOnce() {
  require("node:v8").setFlagsFromString("--semi-space-growth-factor=16");
}

module.exports = { YOUNG_GENERATION_FLAGS, growYoungGenerationAtOnce };
