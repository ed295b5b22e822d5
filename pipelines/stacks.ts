// `npm run stacks [-- --cwd <project>] [--json]`: the project's stacks, one per line or as a JSON array.
import * as path from "node:path";
import { parseArgs } from "node:util";
import { discoverStacks } from "./stackDiscovery";

const { values } = parseArgs({ options: { cwd: { type: "string" }, json: { type: "boolean" } }, strict: true });
const stacks = discoverStacks(path.resolve(values.cwd ?? path.join(__dirname, "..")));
process.stdout.write(values.json ? `${JSON.stringify(stacks)}\n` : stacks.map((stack) => `${stack}\n`).join(""));
