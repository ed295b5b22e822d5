"use strict";
// npm's `prepare` step: after `npm ci` or `npm install` in a checkout, plans the default stack once
// with its report discarded, so that the first `npm run plan` finds the compiled policy pack, the
// plan's bundle, the compiled TypeScript and the SDK's output-only fields in the caches (a cold plan
// type-checks and compiles the pack, several seconds on two cores). Never fails the install: a plan
// that cannot run here says why and leaves the caches to the first plan. `npm pack` and
// `npm publish` also run `prepare`: they skip it, as does `npm ci --ignore-scripts`.
const { spawnSync } = require("node:child_process");
const path = require("node:path");

const INSTALLS = new Set(["ci", "install"]);

if (!INSTALLS.has(process.env.npm_command ?? "")) process.exit(0);

const started = process.hrtime.bigint();
const plan = spawnSync(process.execPath, [path.join(__dirname, "..", "bin", "aml-webservices.js"), "plan", "--format", "json"], {
  cwd: path.join(__dirname, ".."),
  stdio: ["ignore", "ignore", "pipe"],
  encoding: "utf8",
});
const seconds = (Number(process.hrtime.bigint() - started) / 1e9).toFixed(1);
// 0 and 1 are plans (1: a mandatory violation); 2 is a plan that could not run
if (plan.status === 0 || plan.status === 1) {
  process.stdout.write(`aml-webservices: the offline plan's caches are ready (${seconds} s)\n`);
} else {
  const reason = (plan.stderr ?? "").trim().split("\n").slice(0, 5).join("\n  ") || `exit ${plan.status ?? plan.signal}`;
  process.stdout.write(`aml-webservices: the offline plan's caches were not prepared; the first plan fills them:\n  ${reason}\n`);
}
