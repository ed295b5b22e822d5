import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ComponentResource } from "@pulumi/pulumi";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type * as typescript from "typescript";
import { readsStillHold, type FileSystemRead } from "../../provider/fileSystemReads";
import { PACKAGE_COMPONENTS, PACKAGE_NAME } from "../../provider/components";
import { SchemaCachingProvider } from "../../provider/schemaCachingProvider";
import { runComponents } from "../harness/componentRun";
import { PROVIDER_DIR, TOKENS, packageProvider, providerCacheDir } from "./packageProvider";

// The plugin keeps the schema it derived: the next start of the same sources serves it as derived,
// and a start after any of them changed derives it again.

const ROOT = path.resolve(PROVIDER_DIR, "..");
// The TypeScript whose `sys` the SDK's analyzer reads through.
const ts = require("@pulumi/pulumi/typescript-shim") as typeof typescript;
const ENTRIES = "provider-schemas";

interface Entry {
  schema: string;
  reads: FileSystemRead[];
}

let derived: string;
let entryName: string;
beforeAll(async () => {
  derived = await packageProvider().getSchema();
  const names = readdirSync(path.join(providerCacheDir(), ENTRIES));
  expect(names).toHaveLength(1);
  entryName = names[0]!;
});

afterEach(() => {
  vi.restoreAllMocks();
});

function readEntry(): Entry {
  return JSON.parse(readFileSync(path.join(providerCacheDir(), ENTRIES, entryName), "utf8")) as Entry;
}

/** A provider over a cache directory of its own, holding `entry` where the derived entry was. */
function providerOver(entry: Entry): { provider: SchemaCachingProvider; cacheDir: string } {
  const cacheDir = mkdtempSync(path.join(tmpdir(), "aml-provider-entry-"));
  cpSync(path.join(providerCacheDir(), ENTRIES), path.join(cacheDir, ENTRIES), { recursive: true });
  writeFileSync(path.join(cacheDir, ENTRIES, entryName), JSON.stringify(entry));
  return { provider: new SchemaCachingProvider({ name: PACKAGE_NAME, dirname: PROVIDER_DIR, components: PACKAGE_COMPONENTS, cacheDir }), cacheDir };
}

/** Fails any derivation: what a provider then serves came from its cache. */
function forbidDerivation() {
  return vi.spyOn(Analyzer.prototype, "analyze").mockImplementation(() => {
    throw new Error("derived again");
  });
}

const readOf = (entry: Entry, method: FileSystemRead["method"], file: string): FileSystemRead => {
  const read = entry.reads.find((candidate) => candidate.method === method && candidate.args[0] === path.join(ROOT, file));
  if (!read) throw new Error(`${method} ${file} is not among the recorded reads`);
  return read;
};

describe("the provider's schema, kept between starts", () => {
  it("is served by the next start of the same sources, byte for byte, without deriving it", async () => {
    const analyze = forbidDerivation();
    const { provider, cacheDir } = providerOver(readEntry());
    try {
      expect(await provider.getSchema()).toBe(derived);
      expect(analyze).not.toHaveBeenCalled();
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it("constructs from the kept entry with the outputs the derivation found", async () => {
    const analyze = forbidDerivation();
    const { provider, cacheDir } = providerOver(readEntry());
    try {
      let state: Record<string, unknown> = {};
      const { errors } = await runComponents(async () => {
        state = (await provider.construct("platform", TOKENS.MlWorkspace, { environment: "dev", location: "westeurope" }, {})).state as Record<string, unknown>;
      });
      expect(errors).toEqual([]);
      const spec = JSON.parse(derived) as { resources: Record<string, { properties: Record<string, unknown> }> };
      expect(Object.keys(state).sort()).toEqual(Object.keys(spec.resources[TOKENS.MlWorkspace]!.properties).sort());
      expect(analyze).not.toHaveBeenCalled();
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it("records what the schema is derived from: the components' sources, both tsconfig.json files, the provider's directory, the SDKs' declarations", () => {
    const entry = readEntry();
    for (const file of ["provider/components.ts", "provider/modelWebService.ts", "components/modelWebService.ts", "components/authModes.ts", "provider/tsconfig.json", "tsconfig.json", "provider/package.json"]) {
      expect(readOf(entry, "readFile", file).answer).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(entry.reads.some((read) => read.method === "readDirectory" && read.args[0] === PROVIDER_DIR)).toBe(true);
    const declarations = entry.reads.filter((read) => read.method === "readFile" && String(read.args[0]).includes("/node_modules/@pulumi/azure-native/machinelearningservices/"));
    expect(declarations.length).toBeGreaterThan(0);
  });

  it("no longer holds when a recorded listing of the provider's directory, or a probe of a missing module, answers otherwise", () => {
    const entry = readEntry();
    expect(readsStillHold(ts.sys, entry.reads)).toBe(true);
    const listing = entry.reads.find((read) => read.method === "readDirectory" && read.args[0] === PROVIDER_DIR)!;
    const added = { ...listing, answer: (listing.answer as string[]).slice(1) };
    expect(readsStillHold(ts.sys, entry.reads.map((read) => (read === listing ? added : read)))).toBe(false);
    const probe = entry.reads.find((read) => read.method === "fileExists" && read.answer === false && String(read.args[0]).startsWith(path.join(ROOT, "components")))!;
    const appeared = { ...probe, answer: true };
    expect(readsStillHold(ts.sys, entry.reads.map((read) => (read === probe ? appeared : read)))).toBe(false);
  });
});

describe("a small package's schema, kept and derived again", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "aml-widgets-"));
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "widgets", version: "1.2.3", description: "Widgets.", main: "index.ts" }));
    writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", module: "commonjs", skipLibCheck: true }, include: ["*.ts"] }));
    writeFileSync(path.join(dir, "index.ts"), widgetSource(""));
    return () => rmSync(dir, { recursive: true, force: true });
  });

  /** A package of one component, with `extraArgs` among its arguments. */
  function widgetSource(extraArgs: string): string {
    return `import * as pulumi from "@pulumi/pulumi";
export interface WidgetArgs {
  /** The widget's size. */
  size: pulumi.Input<number>;${extraArgs}
}
export class Widget extends pulumi.ComponentResource {
  /** The widget's label. */
  public readonly label: pulumi.Output<string>;
  constructor(name: string, args: WidgetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("widgets:index:Widget", name, {}, opts);
    this.label = pulumi.output(String(args.size));
  }
}
`;
  }

  class Widget extends ComponentResource {}
  const widgets = (cacheDir: string) => new SchemaCachingProvider({ name: "widgets", dirname: dir, components: [Widget], cacheDir });
  const inputsOf = async (provider: SchemaCachingProvider) =>
    Object.keys((JSON.parse(await provider.getSchema()) as { resources: Record<string, { inputProperties: Record<string, unknown> }> }).resources["widgets:index:Widget"]!.inputProperties);

  /** A cache directory of the test's own, removed after `use`. */
  async function withCacheDir(use: (cacheDir: string) => Promise<void>): Promise<void> {
    const cacheDir = mkdtempSync(path.join(tmpdir(), "aml-widgets-cache-"));
    try {
      await use(cacheDir);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }

  const entryIn = (cacheDir: string): string => {
    const names = readdirSync(path.join(cacheDir, ENTRIES));
    expect(names).toHaveLength(1);
    return path.join(cacheDir, ENTRIES, names[0]!);
  };

  it("is the SDK's own schema, byte for byte", async () => {
    await withCacheDir(async (cacheDir) => {
      const sdk = new ComponentProvider({ name: "widgets", dirname: dir, components: [Widget] });
      expect(await widgets(cacheDir).getSchema()).toBe(await sdk.getSchema());
    });
  });

  it("after a source changed: the next start serves the schema of the new source", async () => {
    await withCacheDir(async (cacheDir) => {
      expect(await inputsOf(widgets(cacheDir))).toEqual(["size"]);
      const analyze = vi.spyOn(Analyzer.prototype, "analyze");
      expect(await inputsOf(widgets(cacheDir))).toEqual(["size"]);
      expect(analyze).not.toHaveBeenCalled();

      writeFileSync(path.join(dir, "index.ts"), widgetSource(`\n  /** The widget's colour. */\n  colour?: pulumi.Input<string>;`));
      expect((await inputsOf(widgets(cacheDir))).sort()).toEqual(["colour", "size"]);
      expect(analyze).toHaveBeenCalledTimes(1);
      expect(await inputsOf(widgets(cacheDir))).toHaveLength(2);
      expect(analyze).toHaveBeenCalledTimes(1);
    });
  });

  it("derives anew over an entry that is not one: no reads to check, or no JSON", async () => {
    await withCacheDir(async (cacheDir) => {
      const derived = await widgets(cacheDir).getSchema();
      const file = entryIn(cacheDir);
      const analyze = vi.spyOn(Analyzer.prototype, "analyze");
      for (const [count, broken] of [[1, JSON.stringify({ format: "provider-schema-v1", schema: "{}", components: { Widget: { outputs: {} } }, reads: [] })], [2, "{"]] as const) {
        writeFileSync(file, broken);
        expect(await widgets(cacheDir).getSchema()).toBe(derived);
        expect(analyze).toHaveBeenCalledTimes(count);
        // and the entry is whole again
        expect(readFileSync(file, "utf8")).toContain('"reads":[{');
      }
    });
  });

  it("serves the schema it derived when the cache cannot be written", async () => {
    await withCacheDir(async (cacheDir) => {
      const notADirectory = path.join(cacheDir, "a-file");
      writeFileSync(notADirectory, "");
      expect(await inputsOf(widgets(notADirectory))).toContain("size");
    });
  });

  it("has no description when the package.json has none, as the SDK's schema", async () => {
    const manifest = path.join(dir, "package.json");
    const withDescription = readFileSync(manifest, "utf8");
    writeFileSync(manifest, JSON.stringify({ name: "widgets", version: "1.2.3", main: "index.ts" }));
    try {
      await withCacheDir(async (cacheDir) => {
        const ours = await widgets(cacheDir).getSchema();
        expect(ours).toBe(await new ComponentProvider({ name: "widgets", dirname: dir, components: [Widget] }).getSchema());
        expect(JSON.parse(ours)).not.toHaveProperty("description");
      });
    } finally {
      writeFileSync(manifest, withDescription);
    }
  });
});
