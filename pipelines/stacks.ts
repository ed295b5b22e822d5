// `npm run stacks [-- --cwd <project>] [--json] [--github-output]`: the project's stacks, one per
// line, as a JSON array, or as the step output `stacks` (a JSON array) in GitHub Actions.
import { appendFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { discoverStacks } from "./stackDiscovery";

const { values } = parseArgs({ options: { cwd: { type: "string" }, json: { type: "boolean" }, "github-output": { type: "boolean" } }, strict: true });
const stacks = discoverStacks(path.resolve(values.cwd ?? path.join(__dirname, "..")));
if (values["github-output"]) {
  if (!process.env.GITHUB_OUTPUT) throw new Error("--github-output needs GITHUB_OUTPUT (set by GitHub Actions)");
  appendFileSync(process.env.GITHUB_OUTPUT, `stacks=${JSON.stringify(stacks)}\n`);
}
process.stdout.write(values.json || values["github-output"] ? `${JSON.stringify(stacks)}\n` : stacks.map((stack) => `${stack}\n`).join(""));
