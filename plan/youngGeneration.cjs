"use strict";
// The processes a plan starts (the program's and the policy pack's) are short-lived and allocate
// most of what they hold within their first second (modules, then resources). V8's young generation
// starts small and grows as it fills, scavenging each time: on the dev stack the compiled pack's
// process made eleven collections and the program's nineteen; with the young generation started at
// 16 MiB, one and nine. (Set at run time instead of on the command line, the flag does not hold.)
const YOUNG_GENERATION_FLAG = "--min-semi-space-size=16";

module.exports = { YOUNG_GENERATION_FLAG };
