// The pack's entry point installs shortcuts around work the policy server repeats (each request's
// properties deserialized once, Structs read from their bytes): the same policies without them, in a pack
// of their own, must answer every request exactly as the pack does, unknown values included.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyAnalyzer, type AnalyzerResource, type AnalyzerStackResource } from "../../plan/analyzer";
import { loadPolicyPackConfig, reconcilePolicyConfig } from "../../plan/policyEvaluation";
import { UNKNOWN, type WireValue } from "../../plan/wireValues";
import { PROJECT_DIR } from "../harness/stackRun";
import { makeTempDir, PACK_SCAFFOLD, removedAfterAll } from "../plan/helpers";
import { serviceDeclarationArbitrary } from "./serviceDeclarations";

const temp = removedAfterAll();
const packDir = path.join(PROJECT_DIR, "policies");

/** The same policies, constructed without the entry point's shortcuts, in a pack of the same name and version. */
function plainPack(): string {
  const { name, version } = JSON.parse(readFileSync(path.join(packDir, "package.json"), "utf8")) as { name: string; version: string };
  const dir = temp(makeTempDir({ ...PACK_SCAFFOLD, "package.json": JSON.stringify({ name, version, private: true }) }));
  const guard = path.relative(dir, path.join(packDir, "amlAuthGuard"));
  writeFileSync(path.join(dir, "index.ts"), `import { AmlAuthGuard } from ${JSON.stringify(guard)};\n\nnew AmlAuthGuard();\n`);
  return dir;
}

const withShortcuts = new PolicyAnalyzer({ packDir });
const withoutShortcuts = new PolicyAnalyzer({ packDir: plainPack() });
beforeAll(async () => {
  for (const analyzer of [withShortcuts, withoutShortcuts]) {
    await analyzer.start();
    const info = await analyzer.getAnalyzerInfo();
    await analyzer.configure(reconcilePolicyConfig(info, loadPolicyPackConfig(path.join(packDir, "config", "prod.json"))));
  }
}, 120_000);
afterAll(async () => {
  await withShortcuts.shutdown();
  await withoutShortcuts.shutdown();
});

/** `value` with its `index`-th string leaf (depth first) unknown, as a value computed from another resource's output. */
function withUnknownLeaf(value: WireValue, index: number): WireValue {
  let seen = 0;
  const visit = (v: WireValue): WireValue => {
    if (typeof v === "string") return seen++ === index ? UNKNOWN : v;
    if (Array.isArray(v)) return v.map(visit);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, visit(inner)]));
    return v;
  };
  return visit(value);
}

function requests(): AnalyzerResource[] {
  const declarations = fc.sample(serviceDeclarationArbitrary, { numRuns: 150, seed: 4242 });
  return declarations.flatMap(({ resource }, i) => {
    const properties = resource.props as Record<string, WireValue>;
    const variants = [properties, withUnknownLeaf(properties, i % 7), withUnknownLeaf(properties, (i * 5) % 11)];
    return variants.map((variant, v) => ({
      urn: `urn:pulumi:prod::generated::${resource.type}::${resource.name}-${i}-${v}`,
      type: resource.type,
      name: `${resource.name}-${i}-${v}`,
      properties: variant as Record<string, WireValue>,
      options: { protect: false },
    }));
  });
}

describe("the pack's shortcuts", () => {
  const resources = requests();

  it("change no answer to Analyze", async () => {
    const messages: string[] = [];
    for (const resource of resources) {
      const [fast, plain] = await Promise.all([withShortcuts.analyze(resource), withoutShortcuts.analyze(resource)]);
      expect({ urn: resource.urn, diagnostics: fast }).toEqual({ urn: resource.urn, diagnostics: plain });
      messages.push(...fast.map((d) => d.message));
    }
    // the sample reaches what the shortcuts touch: templates judged, and values left for update
    expect(messages.some((m) => m.includes("ARM template, resource"))).toBe(true);
    expect(messages.some((m) => m.includes("can't run policy") || m.includes("runs at update"))).toBe(true);
  });

  it("change no answer to AnalyzeStack", async () => {
    const stack: AnalyzerStackResource[] = resources.map((resource) => ({ ...resource, dependencies: [], propertyDependencies: {} }));
    const [fast, plain] = await Promise.all([withShortcuts.analyzeStack(stack), withoutShortcuts.analyzeStack(stack)]);
    expect(fast).toEqual(plain);
  });
});
