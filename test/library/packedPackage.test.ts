import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand, type CommandRun } from "../harness/commandRun";

// The package as a team installs it: `npm pack`, then `npm install <tarball>` into a project of its
// own, which imports the components from "aml-webservices" and is planned offline. The installed
// package's dependencies are this repository's (symlinked), so that the install needs no network.

const REPO = path.resolve(__dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string> };
let work: string;
let scratch: string;
let tarball: string;

const PROGRAM = `import { MlWorkspace, ModelWebService } from "aml-webservices";

const workspace = new MlWorkspace("platform", { environment: "lib", location: "westeurope", network: { kind: "public" } });
const service = new ModelWebService("scoring", {
  workspace,
  endpointName: "scoring-lib",
  compute: { kind: "managed", auth: "key" },
  model: "credit-risk:3",
});
export const scoringUri = service.scoringUri;
`;

// What the types of the installed declarations refuse; tsc fails if any line here compiles.
const TYPE_CHECKS = `import { EndpointClient, MlWorkspace, ModelWebService, type KubernetesCompute, type ModelWebServiceArgs } from "aml-webservices";
import { EndpointClient as ClientOnly } from "aml-webservices/client";

declare const workspace: MlWorkspace;
declare const cluster: KubernetesCompute;
export const kubernetesAad: ModelWebServiceArgs = {
  workspace,
  endpointName: "svc",
  // @ts-expect-error Kubernetes endpoints refuse Entra ID tokens
  compute: { kind: "kubernetes", cluster, auth: "aadToken" },
  model: "m:1",
};
// @ts-expect-error a region is one of Azure's names
export const typo = () => new MlWorkspace("w", { environment: "dev", location: "westeurop", network: { kind: "public" } });
// @ts-expect-error there is no service without an auth mode
export const anonymous: ModelWebServiceArgs["compute"] = { kind: "managed", auth: "none" };
export const clients: [typeof EndpointClient, typeof ClientOnly, typeof ModelWebService] = [EndpointClient, ClientOnly, ModelWebService];
`;

function linkFromRepository(dependency: string): void {
  const link = path.join(scratch, "node_modules", dependency);
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(path.join(REPO, "node_modules", dependency), link);
}

const run = (command: string, args: string[], cwd: string): Promise<CommandRun> => runCommand(command, args, { cwd, timeoutMs: 240_000 });

/** Output in dist/ of a source deleted since the last build: the packed package must not ship it. */
const STALE_OUTPUT = "dist/components/retiredComponent.js";

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "aml-webservices-pack-"));
  fs.mkdirSync(path.dirname(path.join(REPO, STALE_OUTPUT)), { recursive: true });
  fs.writeFileSync(path.join(REPO, STALE_OUTPUT), "exports.RetiredComponent = class {};\n");
  execFileSync("npm", ["pack", "--pack-destination", work, "--silent"], { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] });
  tarball = path.join(work, `aml-webservices-${pkg.version}.tgz`);
  scratch = path.join(work, "consumer");
  fs.mkdirSync(path.join(scratch, "node_modules"), { recursive: true });
  for (const dependency of Object.keys(pkg.dependencies)) linkFromRepository(dependency);
  fs.writeFileSync(path.join(scratch, "package.json"), JSON.stringify({ name: "library-consumer", version: "1.0.0", private: true }));
  fs.writeFileSync(path.join(scratch, "Pulumi.yaml"), "name: library-consumer\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
  fs.writeFileSync(path.join(scratch, "Pulumi.dev.yaml"), "config: {}\n");
  fs.writeFileSync(path.join(scratch, "index.ts"), PROGRAM);
  fs.writeFileSync(path.join(scratch, "typeChecks.ts"), TYPE_CHECKS);
  fs.writeFileSync(
    path.join(scratch, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "ES2022", types: ["node"], skipLibCheck: true, noEmit: true }, files: ["index.ts", "typeChecks.ts"] }),
  );
  const install = spawnSync("npm", ["install", tarball, "--offline", "--ignore-scripts", "--no-save", "--no-audit", "--no-fund"], { cwd: scratch, encoding: "utf8", timeout: 240_000 });
  if (install.status !== 0) throw new Error(`npm install of the tarball failed:\n${install.stderr}`);
  // The consumer's own development dependencies; npm prunes links it was not asked for, so they come after.
  for (const dependency of ["@types/node", "typescript"]) linkFromRepository(dependency);
});

/**
 * The installed command's plan of the consumer's project, with this checkout's policy pack, as a
 * JSON report in a file: made once, read by the tests of the command and of the plan.
 */
let planOfConsumer: Promise<{ plan: CommandRun; out: string }> | undefined;
function consumerPlan(): Promise<{ plan: CommandRun; out: string }> {
  planOfConsumer ??= (async () => {
    const bin = path.join(scratch, "node_modules", ".bin", "aml-webservices");
    const out = path.join(work, "plan.json");
    const plan = await run(bin, ["plan", "--cwd", ".", "--stack", "dev", "--policy-pack", path.join(REPO, "policies"), "--format", "json", "--out", out], scratch);
    return { plan, out };
  })();
  return planOfConsumer;
}

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
  // gone already unless the build did not run
  fs.rmSync(path.join(REPO, STALE_OUTPUT), { force: true });
});

describe.concurrent("the packed package", () => {
  it("ships JavaScript with declarations and an exports map, not the stack program or the tests", () => {
    const installed = path.join(scratch, "node_modules", "aml-webservices");
    for (const file of ["dist/lib/index.js", "dist/lib/index.d.ts", "dist/lib/client.js", "dist/components/mlWorkspace.d.ts"]) {
      expect(fs.existsSync(path.join(installed, file)), file).toBe(true);
    }
    for (const file of ["index.ts", "test", "stacks", "provider", STALE_OUTPUT]) expect(fs.existsSync(path.join(installed, file)), file).toBe(false);
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8")) as { main: string; exports: Record<string, unknown> };
    expect(manifest.main).toBe("dist/lib/index.js");
    expect(Object.keys(manifest.exports)).toEqual([".", "./client", "./package.json"]);
  });

  it("is imported with plain Node.js, no TypeScript hook, and registers nothing on import", async () => {
    // Outside the Pulumi engine, registering a resource throws; importing must not.
    const probe = await run(
      "node",
      ["-e", `const lib = require("aml-webservices"); const client = require("aml-webservices/client"); console.log(JSON.stringify({ lib: Object.keys(lib).sort(), client: Object.keys(client).sort() }));`],
      scratch,
    );
    expect(probe.stderr).toBe("");
    expect(probe.code).toBe(0);
    const exported = JSON.parse(probe.stdout) as { lib: string[]; client: string[] };
    expect(exported.lib).toEqual(
      expect.arrayContaining(["AadApplications", "AksInferenceCluster", "ExistingKubernetesCompute", "ExistingMlWorkspace", "MlWorkspace", "ModelWebService", "EndpointClient", "createCredential", "client"]),
    );
    expect(exported.client).toEqual(expect.arrayContaining(["EndpointClient", "createCredential", "readStackOutputs"]));
  });

  it("carries the types that make invalid states unrepresentable into the consumer's compiler", async () => {
    const tsc = await run("node", [path.join(REPO, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], scratch);
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.code).toBe(0);
  });

  it("installs the aml-webservices command: endpoint as is, plan with a checkout's policy pack", async () => {
    const bin = path.join(scratch, "node_modules", ".bin", "aml-webservices");
    const [help, { plan }] = await Promise.all([run(bin, ["endpoint", "--help"], scratch), consumerPlan()]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: aml-webservices endpoint");
    expect(plan.stderr).toBe("");
    expect(plan.stdout).toMatch(/^library-consumer\/dev: \d+ resources, 0 mandatory/);
    expect(plan.code).toBe(0);
    // the plan's TypeScript ran from its bundle, built with the package's own tsconfig.json and kept
    const bundles = path.join(scratch, "node_modules", "aml-webservices", "node_modules", ".cache", "aml-webservices", "command-bundles");
    expect(fs.readdirSync(bundles).filter((name) => /^cli-.*\.cjs$/.test(name))).toHaveLength(1);
  });

  it("is planned offline in the consumer's project, with the policy pack", async () => {
    const { plan, out } = await consumerPlan();
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(out, "utf8")) as { resources: { type: string; name: string; inputs: Record<string, unknown> }[]; summary: { mandatory: number; advisory: number } };
    const types = report.resources.map((resource) => `${resource.type} ${resource.name}`);
    expect(types).toEqual(
      expect.arrayContaining([
        "aml-webservices:index:MlWorkspace platform",
        "aml-webservices:index:ModelWebService scoring",
        "azure-native:machinelearningservices:Workspace platform-workspace",
        "azure-native:machinelearningservices:OnlineEndpoint scoring-endpoint",
      ]),
    );
    const endpoint = report.resources.find((resource) => resource.name === "scoring-endpoint");
    expect(endpoint?.inputs).toMatchObject({ properties: { authMode: "Key" } });
    expect(report.summary.mandatory).toBe(0);
  });
});
