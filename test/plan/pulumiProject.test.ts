import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PlanConfigError } from "../../plan/planErrors";
import { readPulumiProject, readStackConfig, secretConfigValues, securePlaceholder } from "../../plan/pulumiProject";
import { LEGACY_PROJECT, ROOT, makeTempDir, removeDir } from "./helpers";

const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach(removeDir));
function project(files: Record<string, string>): string {
  const dir = makeTempDir(files, "aml-plan-project-");
  tempDirs.push(dir);
  return dir;
}

describe("readPulumiProject", () => {
  it("reads name, runtime, stackConfigDir and the entry point of a project that is not ours", () => {
    const legacy = readPulumiProject(LEGACY_PROJECT);
    expect(legacy.name).toBe("legacy-ml");
    expect(legacy.runtime).toBe("nodejs");
    expect(legacy.stackConfigDir).toBe(path.join(LEGACY_PROJECT, "config"));
    expect(legacy.entryPoint).toBe(path.join(LEGACY_PROJECT, "index.ts"));
  });

  it("reads this project (stackConfigDir: stacks, main: index.ts)", () => {
    const ours = readPulumiProject(ROOT);
    expect(ours.name).toBe("aml-webservices");
    expect(ours.stackConfigDir).toBe(path.join(ROOT, "stacks"));
    expect(ours.entryPoint).toBe(path.join(ROOT, "index.ts"));
  });

  it("resolves main as a file, a directory (its package.json main or index), or package.json main", () => {
    const asFile = project({ "Pulumi.yaml": "name: a\nruntime: nodejs\nmain: src/program.ts\n", "src/program.ts": "" });
    expect(readPulumiProject(asFile).entryPoint).toBe(path.join(asFile, "src", "program.ts"));

    const asDir = project({ "Pulumi.yaml": "name: b\nruntime: nodejs\nmain: app/\n", "app/index.ts": "" });
    expect(readPulumiProject(asDir).entryPoint).toBe(path.join(asDir, "app", "index.ts"));

    const fromPackage = project({
      "Pulumi.yaml": "name: c\nruntime:\n  name: nodejs\n",
      "package.json": JSON.stringify({ name: "c", main: "bin/run" }),
      "bin/run.js": "",
      "index.ts": "",
    });
    expect(readPulumiProject(fromPackage).entryPoint).toBe(path.join(fromPackage, "bin", "run.js"));

    const indexJs = project({ "Pulumi.yaml": "name: d\nruntime: nodejs\n", "index.js": "" });
    expect(readPulumiProject(indexJs).entryPoint).toBe(path.join(indexJs, "index.js"));
  });

  // Node.js tries its own .js before the .ts ts-node registers; the CLI's host warns and runs index.js
  it("takes the .js before the .ts of the same name, as Node.js under the CLI's host does", () => {
    const both = project({ "Pulumi.yaml": "name: g\nruntime: nodejs\n", "index.ts": "", "index.js": "" });
    expect(readPulumiProject(both).entryPoint).toBe(path.join(both, "index.js"));
    const extensionless = project({ "Pulumi.yaml": "name: h\nruntime: nodejs\nmain: src/program\n", "src/program.ts": "", "src/program.js": "" });
    expect(readPulumiProject(extensionless).entryPoint).toBe(path.join(extensionless, "src", "program.js"));
  });

  // As the CLI's Node.js host takes it without `main` in Pulumi.yaml (@pulumi/pulumi cmd/run/run.js,
  // resolveEntrypoint and npmPackageRootFromProgramPath; runtime/manifest.js for package.yaml).
  it.each([
    ["exports as a string", { "package.json": JSON.stringify({ exports: "./deploy.ts", main: "index.ts" }) }, "deploy.ts"],
    ['exports["."] as a string', { "package.json": JSON.stringify({ exports: { ".": "./deploy.ts" } }) }, "deploy.ts"],
    ['exports["."] default before require and import', { "package.json": JSON.stringify({ exports: { ".": { import: "./other.ts", require: "./other.ts", default: "./deploy.ts" } } }) }, "deploy.ts"],
    ['exports["."] require before import', { "package.json": JSON.stringify({ exports: { ".": { import: "./other.ts", require: "./deploy.ts" } } }) }, "deploy.ts"],
    ['exports without ".": the directory as Node.js resolves it, by main', { "package.json": JSON.stringify({ exports: { "./x": "./deploy.ts" }, main: "other.ts" }) }, "other.ts"],
    ["main", { "package.json": JSON.stringify({ main: "deploy.ts" }) }, "deploy.ts"],
    ["an entry that does not exist as written: the directory as Node.js resolves it", { "package.json": JSON.stringify({ exports: "./deploy" }) }, "index.ts"],
    ["package.yaml", { "package.yaml": "main: deploy.ts\n" }, "deploy.ts"],
    ["package.yaml with a merge key, as the SDK's js-yaml reads it", { "package.yaml": "base: &base\n  main: deploy.ts\n<<: *base\n" }, "deploy.ts"],
    ["package.yaml that the SDK's js-yaml refuses (a key twice): the directory as Node.js resolves it", { "package.yaml": "main: deploy.ts\nmain: other.ts\n" }, "index.ts"],
    ["package.json before package.yaml", { "package.json": JSON.stringify({ main: "deploy.ts" }), "package.yaml": "main: other.ts\n" }, "deploy.ts"],
  ])("without main in Pulumi.yaml, takes the entry point the package manifest names: %s", (_, manifest, entry) => {
    const dir = project({ "Pulumi.yaml": "name: e\nruntime: nodejs\n", "index.ts": "", "deploy.ts": "", "other.ts": "", ...manifest });
    expect(readPulumiProject(dir).entryPoint).toBe(path.join(dir, entry));
  });

  it("without main in Pulumi.yaml, takes the entry point of the nearest package manifest above the project: a monorepo's", () => {
    const repo = project({ "package.json": JSON.stringify({ main: "infra/deploy.ts" }), "infra/Pulumi.yaml": "name: f\nruntime: nodejs\n", "infra/index.ts": "", "infra/deploy.ts": "" });
    expect(readPulumiProject(path.join(repo, "infra")).entryPoint).toBe(path.join(repo, "infra", "deploy.ts"));
  });

  // Both change what the CLI's Node.js host runs (node's arguments, as `--require ./setup.js`; the
  // tsconfig.json ts-node compiles with); the plan would run another program.
  it.each([
    ["nodeargs", "    nodeargs: --require ./setup.js\n"],
    ["tsconfig", "    tsconfig: tsconfig.deploy.json\n"],
  ])("refuses the runtime option %s, which the plan cannot honour", (option, line) => {
    const dir = project({ "Pulumi.yaml": `name: r\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n${line}`, "index.ts": "" });
    expect(() => readPulumiProject(dir)).toThrow(new RegExp(`runtime option '${option}' is not supported by the offline plan`));
  });

  it("refuses a directory without Pulumi.yaml, another runtime, a missing main or no entry point", () => {
    const empty = project({});
    expect(() => readPulumiProject(empty)).toThrow(PlanConfigError);
    expect(() => readPulumiProject(empty)).toThrow(/no Pulumi.yaml/);
    expect(() => readPulumiProject(project({ "Pulumi.yaml": "name: py\nruntime: python\n" }))).toThrow(
      /runtime 'python' is not supported/,
    );
    expect(() => readPulumiProject(project({ "Pulumi.yaml": "name: m\nruntime: nodejs\nmain: nowhere.ts\n" }))).toThrow(
      /main 'nowhere.ts' does not exist/,
    );
    expect(() => readPulumiProject(project({ "Pulumi.yaml": "name: n\nruntime: nodejs\n" }))).toThrow(/no entry point/);
  });
});

describe("readStackConfig (as the CLI passes config to the program)", () => {
  const legacy = readPulumiProject(LEGACY_PROJECT);

  it("qualifies keys, keeps scalars as strings, passes objects and arrays as JSON", () => {
    const stack = readStackConfig(legacy, "legacy");
    expect(stack.file).toBe(path.join(LEGACY_PROJECT, "config", "Pulumi.legacy.yaml"));
    expect(stack.config["azure-native:location"]).toBe("westeurope");
    // a key without a namespace belongs to the project
    expect(stack.config["legacy-ml:resourceGroupName"]).toBe("rg-legacy-ml");
    expect(stack.config["resourceGroupName"]).toBeUndefined();
    expect(stack.config["legacy-ml:replicas"]).toBe("2");
    expect(JSON.parse(stack.config["legacy-ml:tags"]!)).toEqual(["team=scoring", "costCenter=1234"]);
  });

  it("turns secure values into secret placeholders, also nested ones (the whole key is then secret)", () => {
    const stack = readStackConfig(legacy, "legacy");
    expect(stack.config["legacy-ml:endpointPrimaryKey"]).toBe(securePlaceholder("legacy-ml:endpointPrimaryKey"));
    expect(JSON.parse(stack.config["legacy-ml:aks"]!)).toEqual({
      clusterName: "aks-legacy",
      nodeCount: 3,
      serviceKey: securePlaceholder("legacy-ml:aks", ["serviceKey"]),
    });
    expect(stack.secretKeys).toEqual(["legacy-ml:aks", "legacy-ml:endpointPrimaryKey"]);
    expect(stack.config["legacy-ml:aks"]).not.toMatch(/v1:/);
    const secrets = secretConfigValues(stack);
    expect(secrets).toContain(stack.config["legacy-ml:aks"]);
    expect(secrets).toContain("secure-placeholder-legacy-ml:aks.serviceKey");
    expect(secrets).not.toContain("aks-legacy");
  });

  // pulumi/pulumi sdk/go/common/resource/config/object.go: an object value is sent as Go's JSON
  // encoding of a map, whose keys come out sorted by their bytes, at every level
  it("sends an object's keys in the CLI's order, sorted, whatever the stack file's order", () => {
    const dir = project({
      "Pulumi.yaml": "name: o\nruntime: nodejs\n",
      "index.ts": "",
      "Pulumi.x.yaml": "config:\n  o:modes:\n    Key: { b: 1, a: 2 }\n    AMLToken: {}\n    aadToken: []\n    Ä: 0\n",
    });
    const text = readStackConfig(readPulumiProject(dir), "x").config["o:modes"]!;
    expect(Object.keys(JSON.parse(text) as object)).toEqual(["AMLToken", "Key", "aadToken", "Ä"]);
    expect(Object.keys((JSON.parse(text) as { Key: object }).Key)).toEqual(["a", "b"]);
  });

  it("refuses a stack that imports ESC environments, whose values the program would miss, and takes one that imports none", () => {
    const stack = (environment: string) => {
      const dir = project({ "Pulumi.yaml": "name: v\nruntime: nodejs\n", "index.ts": "", "Pulumi.x.yaml": `environment:${environment}\nconfig:\n  v:mode: Key\n` });
      return () => readStackConfig(readPulumiProject(dir), "x");
    };
    expect(stack("\n  - team/auth")).toThrow(/imports ESC environments \('environment'\), which the offline plan cannot open/);
    expect(stack(" [team/auth]")).toThrow(/imports ESC environments/);
    for (const none of [" []", " ~", ""]) expect(stack(none)().config["v:mode"]).toBe("Key");
  });

  it("keeps a scalar's source text (1.0, 0x1F, yes) and maps null to an empty string", () => {
    const dir = project({
      "Pulumi.yaml": "name: s\nruntime: nodejs\n",
      "index.ts": "",
      "Pulumi.x.yaml": "config:\n  s:float: 1.0\n  s:hex: 0x1F\n  s:flag: true\n  s:empty: ~\n  s:quoted: \"007\"\n",
    });
    const stack = readStackConfig(readPulumiProject(dir), "x");
    expect(stack.config).toEqual({ "s:float": "1.0", "s:hex": "0x1F", "s:flag": "true", "s:empty": "", "s:quoted": "007" });
    expect(stack.secretKeys).toEqual([]);
  });

  it("applies Pulumi.yaml config defaults and requires typed project keys without one", () => {
    const dir = project({
      "Pulumi.yaml":
        "name: d\nruntime: nodejs\nconfig:\n  region:\n    type: string\n    default: westeurope\n  size:\n    type: integer\n  aws:region: us-east-1\n",
      "index.ts": "",
      "Pulumi.ok.yaml": "config:\n  d:size: 3\n",
      "Pulumi.missing.yaml": "config: {}\n",
      "Pulumi.wrong.yaml": "config:\n  d:size: big\n",
    });
    const parsed = readPulumiProject(dir);
    expect(readStackConfig(parsed, "ok").config).toEqual({ "d:region": "westeurope", "d:size": "3", "aws:region": "us-east-1" });
    expect(() => readStackConfig(parsed, "missing")).toThrow(/missing configuration value 'd:size'/);
    expect(() => readStackConfig(parsed, "wrong")).toThrow(/'d:size' must be of type integer/);
  });

  it("passes __proto__, constructor and prototype keys on as own keys, as the CLI does, without touching any prototype", () => {
    const dir = project({
      "Pulumi.yaml": "name: p\nruntime: nodejs\n",
      "index.ts": "",
      "Pulumi.x.yaml": "config:\n  p:settings:\n    __proto__:\n      polluted: true\n    nested:\n      - constructor: 1\n        prototype: {secure: v1:abc}\n",
    });
    const stack = readStackConfig(readPulumiProject(dir), "x");
    // the program receives the keys and refuses them itself (see the stack configuration tests)
    expect(stack.config["p:settings"]).toBe(
      `{"__proto__":{"polluted":true},"nested":[{"constructor":1,"prototype":"${securePlaceholder("p:settings", ["nested", "0", "prototype"])}"}]}`,
    );
    expect(stack.secretKeys).toEqual(["p:settings"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("fails with a config error for a missing stack file or malformed YAML", () => {
    expect(() => readStackConfig(legacy, "nope")).toThrow(PlanConfigError);
    expect(() => readStackConfig(legacy, "nope")).toThrow(/no stack file for stack 'nope'.*Pulumi\.nope\.yaml/);
    const dir = project({ "Pulumi.yaml": "name: y\nruntime: nodejs\n", "index.ts": "", "Pulumi.bad.yaml": "config:\n  y:a: [1,\n" });
    expect(() => readStackConfig(readPulumiProject(dir), "bad")).toThrow(PlanConfigError);
    expect(() => readStackConfig(legacy, "../escape")).toThrow(/invalid stack name/);
  });
});
