import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ComponentResourceOptions, Inputs } from "@pulumi/pulumi";
import type { ConstructResult, Provider } from "@pulumi/pulumi/provider";
import { ComponentProvider, type ComponentResourceConstructor } from "@pulumi/pulumi/provider/experimental";
import { Analyzer, type ComponentDefinition } from "@pulumi/pulumi/provider/experimental/analyzer";
import { generateSchema } from "@pulumi/pulumi/provider/experimental/schema";
import type * as typescript from "typescript";
import { z } from "zod";
import { markUsed, writeCacheFile } from "../plan/cacheFile.cjs";
import { READ_METHODS, recordReads, readsStillHold, type FileSystemRead } from "./fileSystemReads";

// The TypeScript the SDK's analyzer compiles with: its reads are the ones recorded.
const ts = require("@pulumi/pulumi/typescript-shim") as typeof typescript;
const SDK_VERSION = (require("@pulumi/pulumi/package.json") as { version: string }).version;
/** The SDK's code that derives the schema: a patched SDK derives anew, whatever its version says. */
const SDK_DERIVATION = ["@pulumi/pulumi/provider/experimental/analyzer", "@pulumi/pulumi/provider/experimental/schema"].map((module) =>
  createHash("sha256").update(fs.readFileSync(require.resolve(module))).digest("hex"),
);

/** Bumped when what an entry holds, or how it is derived, changes. */
const CACHE_FORMAT = "provider-schema-v1";
/** Schema entries kept (about 1 MiB each): one per directory the plugin is started in, per copy of the package. */
const SCHEMA_ENTRIES_KEPT = 32;

export interface SchemaCachingProviderOptions {
  /** the package's name: the schema's name and the first part of every type token */
  name: string;
  /** the directory of the provider's entry point, with its package.json and tsconfig.json */
  dirname: string;
  components: ComponentResourceConstructor[];
  /** where derived schemas are kept */
  cacheDir: string;
}

/** What the SDK derives from the components' TypeScript source: the schema, and each component's inputs and outputs. */
interface Derived {
  schema: string;
  components: Record<string, ComponentDefinition>;
}

/** What an entry must hold to be used; anything else (a file cut short, another format) is derived anew. */
const SCHEMA_ENTRY = z.object({
  format: z.literal(CACHE_FORMAT),
  schema: z.string(),
  components: z.record(z.string(), z.object({ outputs: z.record(z.string(), z.unknown()) }).passthrough()),
  reads: z
    .array(z.object({ method: z.enum(READ_METHODS), args: z.array(z.unknown()), answer: z.union([z.string(), z.boolean(), z.array(z.string()), z.null()]) }))
    .min(1),
});

interface SchemaEntry extends Derived {
  format: typeof CACHE_FORMAT;
  reads: FileSystemRead[];
}

/**
 * The SDK's `ComponentProvider`, with the schema kept between starts. The SDK derives it from the
 * components' TypeScript source and every declaration they reach (tens of megabytes, seconds of CPU)
 * on each start that asks for it: every `pulumi package add`, and every preview or update of a
 * program in another language that constructs a component. The entry is reused only while every
 * file-system read of that derivation, through TypeScript's `sys`, gives the same answer: the same
 * file contents (sources, tsconfig.json, declarations, package.json files), the same files absent, the
 * same directory listings.
 */
export class SchemaCachingProvider implements Provider {
  readonly version: string;
  private readonly packageJson: Record<string, unknown>;
  private readonly constructors: Map<string, ComponentResourceConstructor>;
  private derived: Derived | undefined;

  constructor(private readonly options: SchemaCachingProviderOptions) {
    this.packageJson = JSON.parse(fs.readFileSync(path.join(options.dirname, "package.json"), "utf8")) as Record<string, unknown>;
    this.version = typeof this.packageJson.version === "string" ? this.packageJson.version : "0.0.0";
    this.constructors = new Map(options.components.map((component) => [component.name, component]));
  }

  async getSchema(): Promise<string> {
    return this.definitions().schema;
  }

  async construct(name: string, type: string, inputs: Inputs, options: ComponentResourceOptions): Promise<ConstructResult> {
    ComponentProvider.validateResourceType(this.options.name, type);
    const componentName = type.split(":")[2];
    const component = this.constructors.get(componentName);
    if (!component) throw new Error(`Component class not found for '${componentName}'`);
    const instance = new component(name, inputs, options) as unknown as Record<string, unknown> & { urn: ConstructResult["urn"] };
    const definition = this.definitions().components[componentName];
    if (!definition) throw new Error(`the schema has no component '${componentName}': is it exported from ${this.options.dirname}?`);
    const state: Inputs = {};
    for (const output of Object.keys(definition.outputs)) state[output] = instance[output];
    return { urn: instance.urn, state };
  }

  private definitions(): Derived {
    if (!this.derived) {
      const entryFile = this.entryFile();
      this.derived = this.cached(entryFile) ?? this.derive(entryFile);
    }
    return this.derived;
  }

  /** The entry's file, named by everything that decides the schema but is not read through `sys`. */
  private entryFile(): string {
    const identity = JSON.stringify({
      format: CACHE_FORMAT,
      sdk: SDK_VERSION,
      sdkDerivation: SDK_DERIVATION,
      typescript: ts.version,
      // the analyzer's tsconfig.json finds `@types` packages from the working directory up
      cwd: ts.sys.getCurrentDirectory(),
      name: this.options.name,
      dirname: path.resolve(this.options.dirname),
      packageJson: this.packageJson,
      components: [...this.constructors.keys()],
    });
    return path.join(this.options.cacheDir, "provider-schemas", `${createHash("sha256").update(identity).digest("hex")}.json`);
  }

  private cached(entryFile: string): Derived | undefined {
    let entry: unknown;
    try {
      entry = JSON.parse(fs.readFileSync(entryFile, "utf8"));
    } catch {
      return undefined;
    }
    const parsed = SCHEMA_ENTRY.safeParse(entry);
    if (!parsed.success || !readsStillHold(ts.sys, parsed.data.reads)) return undefined;
    const { schema, components } = parsed.data as SchemaEntry;
    if (![...this.constructors.keys()].every((name) => Object.hasOwn(components, name))) return undefined;
    markUsed(entryFile);
    return { schema, components };
  }

  private derive(entryFile: string): Derived {
    const { result, reads } = recordReads(ts.sys, () => {
      const analyzer = new Analyzer(path.resolve(this.options.dirname), this.options.name, this.packageJson, new Set(this.constructors.keys()));
      const { components, typeDefinitions, dependencies } = analyzer.analyze();
      // as the SDK passes it: a package without a description gets none in its schema
      const description = this.packageJson.description as string;
      const schema = generateSchema(this.options.name, this.version, description, components, typeDefinitions, dependencies);
      return { schema: JSON.stringify(schema), components };
    });
    const entry: SchemaEntry = { format: CACHE_FORMAT, ...result, reads };
    try {
      writeCacheFile(entryFile, JSON.stringify(entry), { keep: SCHEMA_ENTRIES_KEPT });
    } catch {
      // a read-only plugin directory: the next start derives the schema again
    }
    return result;
  }
}
