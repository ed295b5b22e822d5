// The policy pack started from a compiled, content-hash-cached build versus `run-policy-pack` as the
// CLI runs it (ts-node type-checking on every start): same answers, and a pack that does not
// compile still fails with the compiler's message, cache or no cache.
import { readdirSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { PolicyAnalyzer, type AnalyzerInfo, type AnalyzeDiagnostic, type PackStart } from "../../plan/analyzer";
import { defaultPackCacheDir } from "../../plan/packProcess.cjs";
import { PolicyPackError } from "../../plan/planErrors";
import { makeTempDir, MINIMAL_PACK, PACK_SCAFFOLD, removedAfterAll } from "./helpers";

const temp = removedAfterAll();

const dualAuthService = {
  urn: "urn:pulumi:t::p::azure-native:machinelearningservices/v20210401:AKSService::svc",
  type: "azure-native:machinelearningservices/v20210401:AKSService",
  name: "svc",
  properties: { computeType: "AKS", authEnabled: true, aadAuthEnabled: true },
  options: { protect: false },
};

async function withAnalyzer<T>(packDir: string, start: PackStart, cacheDir: string, use: (analyzer: PolicyAnalyzer) => Promise<T>): Promise<T> {
  const analyzer = new PolicyAnalyzer({ packDir, start, cacheDir });
  try {
    await analyzer.start();
    return await use(analyzer);
  } finally {
    await analyzer.shutdown();
  }
}

async function infoAndAnalysis(analyzer: PolicyAnalyzer): Promise<{ info: AnalyzerInfo; diagnostics: AnalyzeDiagnostic[] }> {
  const info = await analyzer.getAnalyzerInfo();
  await analyzer.configure(Object.fromEntries(info.policies.map((p) => [p.name, { enforcementLevel: p.enforcementLevel, properties: {} }])));
  return { info, diagnostics: await analyzer.analyze(dualAuthService) };
}

const cacheEntries = (dir: string): string[] => readdirSync(dir).filter((name) => name.endsWith(".json")).sort();

/** A pack with one policy that reports a message imported from `shared` (a module outside the pack). */
function packImporting(shared: string): string {
  const pack = makeTempDir(PACK_SCAFFOLD);
  writeFileSync(
    path.join(pack, "index.ts"),
    [
      `import { PolicyPack } from "@pulumi/policy";`,
      `import { MESSAGE } from ${JSON.stringify(path.relative(pack, shared))};`,
      `new PolicyPack("outside-pack", { policies: [{ name: "says", description: "d", enforcementLevel: "advisory",`,
      `  validateResource: (_args, report) => report(MESSAGE) }] });`,
      ``,
    ].join("\n"),
  );
  return pack;
}

describe.concurrent("compiled policy pack start", () => {
  it("answers exactly as the pack run through run-policy-pack (the CLI's own path)", async () => {
    const cacheDir = defaultPackCacheDir(); // shared with the other tests' starts of this pack
    const viaCli = await withAnalyzer(MINIMAL_PACK, "run-policy-pack", cacheDir, infoAndAnalysis);
    const compiled = await withAnalyzer(MINIMAL_PACK, "compiled", cacheDir, infoAndAnalysis);
    expect(compiled).toEqual(viaCli);
    expect(viaCli.diagnostics.map((d) => d.policyName)).toContain("fixture-legacy-dual-auth");
  });

  it("compiles once per content: a second start and a copy reuse the entry, an edit makes a new one, a breaking edit fails with the compiler's message", async () => {
    const cacheDir = temp(makeTempDir({}));
    const source = (description: string, count: string): string =>
      `import { PolicyPack } from "@pulumi/policy";\nconst count: number = ${count};\nnew PolicyPack("edited-pack", { policies: [{ name: "v", description: "${description}", enforcementLevel: "advisory", validateResource: () => undefined }] });\nexport { count };\n`;
    const pack = temp(makeTempDir({ ...PACK_SCAFFOLD, "index.ts": source("first", "1") }));
    const description = (analyzer: PolicyAnalyzer): Promise<string | undefined> =>
      analyzer.getAnalyzerInfo().then((info) => info.policies[0]?.description);
    expect(await withAnalyzer(pack, "compiled", cacheDir, description)).toBe("first");
    const [entry] = cacheEntries(cacheDir);
    const written = statSync(path.join(cacheDir, entry!)).mtimeMs;
    expect(await withAnalyzer(pack, "compiled", cacheDir, description)).toBe("first");
    expect(cacheEntries(cacheDir)).toEqual([entry]);
    expect(statSync(path.join(cacheDir, entry!)).mtimeMs).toBe(written);
    // a copy of the pack elsewhere has the same content: same entry
    const copy = temp(makeTempDir({ ...PACK_SCAFFOLD, "index.ts": source("first", "1") }));
    expect(await withAnalyzer(copy, "compiled", cacheDir, description)).toBe("first");
    expect(cacheEntries(cacheDir)).toEqual([entry]);

    writeFileSync(path.join(pack, "index.ts"), source("second", "2"));
    expect(await withAnalyzer(pack, "compiled", cacheDir, description)).toBe("second");
    expect(cacheEntries(cacheDir)).toHaveLength(2);

    writeFileSync(path.join(pack, "index.ts"), source("third", `"three"`));
    const error = await withAnalyzer(pack, "compiled", cacheDir, description).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyPackError);
    expect((error as Error).message).toMatch(/failed to start \(exit code 1\)/);
    expect((error as Error).message).toMatch(/index\.ts\(2,7\): error TS2322: Type 'string' is not assignable to type 'number'/);
    // the failure is cached with the content: starting again fails the same, from the cache
    const entries = cacheEntries(cacheDir);
    expect(entries).toHaveLength(3);
    const again = await withAnalyzer(pack, "compiled", cacheDir, description).catch((e: unknown) => e);
    expect((again as Error).message).toBe((error as Error).message);
    expect(cacheEntries(cacheDir)).toEqual(entries);
  });

  it("recompiles when a module the pack imports from outside its directory changes", async () => {
    const cacheDir = temp(makeTempDir({}));
    const root = temp(makeTempDir({ "shared.ts": `export const MESSAGE: string = "first message";\n` }));
    const pack = temp(packImporting(path.join(root, "shared")));
    const message = (analyzer: PolicyAnalyzer): Promise<string | undefined> =>
      infoAndAnalysis(analyzer).then(({ diagnostics }) => diagnostics[0]?.message);
    expect(await withAnalyzer(pack, "compiled", cacheDir, message)).toMatch(/first message$/);
    writeFileSync(path.join(root, "shared.ts"), `export const MESSAGE: string = "second message";\n`);
    expect(await withAnalyzer(pack, "compiled", cacheDir, message)).toMatch(/second message$/);
  });
});
