import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { PolicyAnalyzer, type AnalyzerResource } from "../../plan/analyzer";
import { PolicyPackError } from "../../plan/planErrors";
import { SECRET_SIG, SIG_KEY, UNKNOWN } from "../../plan/wireValues";
import {
  MINIMAL_PACK,
  PACK_SCAFFOLD,
  isAlive,
  makeTempDir,
  packThatCrashes,
  packThatFailsWhileAnalyzing,
  packThatHangs,
  packWithTypeError,
  removedAfterAll,
} from "./helpers";

const temp = removedAfterAll();

const legacyService = (authEnabled: boolean, aadAuthEnabled: boolean): AnalyzerResource => ({
  urn: "urn:pulumi:t::p::azure-native:machinelearningservices/v20210401:AKSService::svc",
  type: "azure-native:machinelearningservices/v20210401:AKSService",
  name: "svc",
  properties: { computeType: "AKS", authEnabled, aadAuthEnabled },
  options: { protect: false },
});

describe("PolicyAnalyzer (the pack's own process, as the CLI runs it)", () => {
  it("reports the pack's policies with their levels and config schemas", async () => {
    let spawned: number | undefined;
    const analyzer = new PolicyAnalyzer({ packDir: MINIMAL_PACK, onSpawn: (pid) => (spawned = pid) });
    try {
      await analyzer.start();
      const info = await analyzer.getAnalyzerInfo();
      expect(info.name).toBe("minimal-pack");
      expect(info.version).toBe("0.0.1");
      const byName = Object.fromEntries(info.policies.map((p) => [p.name, p]));
      expect(byName["fixture-legacy-dual-auth"]).toMatchObject({ enforcementLevel: "mandatory", policyType: "resource" });
      expect(byName["fixture-owner-tag"]).toMatchObject({ enforcementLevel: "remediate" });
      expect(byName["fixture-max-resources"]).toMatchObject({
        policyType: "stack",
        configSchema: { properties: { maximum: { type: "integer", default: 100, minimum: 1 } } },
      });
    } finally {
      await analyzer.shutdown();
    }
    expect(spawned).toBeTypeOf("number");
    expect(isAlive(spawned!)).toBe(false);
  });

  it("analyzes, remediates and analyzes a stack over gRPC", async () => {
    const analyzer = new PolicyAnalyzer({ packDir: MINIMAL_PACK });
    try {
      await analyzer.start();
      const info = await analyzer.getAnalyzerInfo();
      await analyzer.configure(
        Object.fromEntries(info.policies.map((p) => [p.name, { enforcementLevel: p.enforcementLevel, properties: {} }])),
      );

      const both = await analyzer.analyze(legacyService(true, true));
      expect(both.map((d) => [d.policyName, d.enforcementLevel])).toContainEqual(["fixture-legacy-dual-auth", "mandatory"]);
      const one = await analyzer.analyze(legacyService(true, false));
      expect(one.map((d) => d.policyName)).not.toContain("fixture-legacy-dual-auth");

      const remediations = await analyzer.remediate({
        urn: "urn:pulumi:t::p::azure-native:resources:ResourceGroup::rg",
        type: "azure-native:resources:ResourceGroup",
        name: "rg",
        properties: { resourceGroupName: "rg", tags: { owner: { [SIG_KEY]: SECRET_SIG, value: "s3cr3t-owner" } } },
        options: { protect: false },
      });
      expect(remediations).toHaveLength(1);
      expect(remediations[0]!.policyName).toBe("fixture-owner-tag");
      // a remediation that rebuilds an object from the pack's props gets secrets unwrapped (the SDK's
      // proxy unwraps on read): the plan must scrub such plaintexts from its reports
      expect(remediations[0]!.properties).toEqual({
        resourceGroupName: "rg",
        tags: { owner: "s3cr3t-owner", managedBy: "offline-plan" },
      });

      // an unknown value read by a mandatory policy is reported as advisory, "during preview"
      const unknown = await analyzer.analyze({
        urn: "urn:pulumi:t::p::azure-native:machinelearningservices:OnlineDeployment::d",
        type: "azure-native:machinelearningservices:OnlineDeployment",
        name: "d",
        properties: { endpointName: UNKNOWN },
        options: { protect: false },
      });
      const preview = unknown.find((d) => d.policyName === "fixture-deployment-endpoint-name");
      expect(preview?.enforcementLevel).toBe("advisory");
      expect(preview?.message).toMatch(/during preview/);

      const stack = await analyzer.analyzeStack(
        Array.from({ length: 3 }, (_, i) => ({
          urn: `urn:pulumi:t::p::random:index/randomUuid:RandomUuid::u${i}`,
          type: "random:index/randomUuid:RandomUuid",
          name: `u${i}`,
          properties: {},
          options: { protect: false },
          dependencies: [],
          propertyDependencies: {},
        })),
      );
      expect(stack.map((d) => d.policyName)).not.toContain("fixture-max-resources");
    } finally {
      await analyzer.shutdown();
    }
  });

  it("passes Configure's properties and levels to the policies", async () => {
    const analyzer = new PolicyAnalyzer({ packDir: MINIMAL_PACK });
    try {
      await analyzer.start();
      await analyzer.configure({ "fixture-max-resources": { enforcementLevel: "mandatory", properties: { maximum: 1 } } });
      const diagnostics = await analyzer.analyzeStack(
        ["a", "b"].map((name) => ({
          urn: `urn:pulumi:t::p::random:index/randomUuid:RandomUuid::${name}`,
          type: "random:index/randomUuid:RandomUuid",
          name,
          properties: {},
          options: { protect: false },
          dependencies: [],
          propertyDependencies: {},
        })),
      );
      expect(diagnostics).toContainEqual(
        expect.objectContaining({ policyName: "fixture-max-resources", enforcementLevel: "mandatory" }),
      );
    } finally {
      await analyzer.shutdown();
    }
  });

  it("is shut down after a failure in the middle of a run (try/finally at the call site)", async () => {
    const dir = temp(packThatFailsWhileAnalyzing());
    let pid: number | undefined;
    const analyzer = new PolicyAnalyzer({ packDir: dir, onSpawn: (p) => (pid = p) });
    const run = async (): Promise<void> => {
      try {
        await analyzer.start();
        await analyzer.getAnalyzerInfo();
        await analyzer.analyze(legacyService(true, true));
      } finally {
        await analyzer.shutdown();
      }
    };
    const failure = await run().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PolicyPackError);
    expect((failure as Error).message).toMatch(/policy exploded on purpose/);
    expect((failure as Error).message).not.toMatch(/^\s+at /m);
    expect(pid).toBeTypeOf("number");
    expect(isAlive(pid!)).toBe(false);
  });

  it("fails with the TypeScript error of a pack that does not compile, and leaves no process", async () => {
    let pid: number | undefined;
    const analyzer = new PolicyAnalyzer({ packDir: temp(packWithTypeError()), onSpawn: (p) => (pid = p) });
    const error = await analyzer.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyPackError);
    expect((error as Error).message).toMatch(/failed to start/);
    expect((error as Error).message).toMatch(/TS2322/);
    expect(isAlive(pid!)).toBe(false);
    await analyzer.shutdown(); // idempotent
  });

  it("fails with the pack's own error when it crashes while loading", async () => {
    let pid: number | undefined;
    const analyzer = new PolicyAnalyzer({ packDir: temp(packThatCrashes()), onSpawn: (p) => (pid = p) });
    const error = await analyzer.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyPackError);
    expect((error as Error).message).toMatch(/pack exploded while loading/);
    expect(isAlive(pid!)).toBe(false);
  });

  it("kills a pack that never prints its port", async () => {
    let pid: number | undefined;
    const analyzer = new PolicyAnalyzer({ packDir: temp(packThatHangs()), startTimeoutMs: 1_500, onSpawn: (p) => (pid = p) });
    const error = await analyzer.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyPackError);
    expect((error as Error).message).toMatch(/did not print its port within 1.5 s/);
    expect(isAlive(pid!)).toBe(false);
  });

  it("kills a pack still busy loading when it gives up on it, without letting it finish", async () => {
    const dir = temp(makeTempDir({}));
    const [busy, slow, finished] = [path.join(dir, "pack"), path.join(dir, "slow"), path.join(dir, "finished-loading")];
    // busy for 2.5 s once `slow` exists, as a pack type-checking on its first start: synchronous
    // work that SIGTERM does not interrupt. Its source names no temporary path (the markers are
    // beside its directory, its working directory), so it compiles once per checkout, not per run.
    const source = [
      `import * as fs from "node:fs";`,
      `import { PolicyPack } from "@pulumi/policy";`,
      `if (fs.existsSync("../slow")) {`,
      `  const until = Date.now() + 2500;`,
      `  while (Date.now() < until) {}`,
      `  fs.writeFileSync("../finished-loading", "");`,
      `}`,
      `new PolicyPack("busy-pack", { policies: [{ name: "never", description: "never", enforcementLevel: "advisory", validateResource: () => undefined }] });`,
      ``,
    ].join("\n");
    mkdirSync(busy);
    for (const [name, content] of Object.entries({ ...PACK_SCAFFOLD, "index.ts": source })) writeFileSync(path.join(busy, name), content);
    // first start: compiles and caches the pack, so that the second spends its time in the pack's own code
    const first = new PolicyAnalyzer({ packDir: busy });
    await first.start();
    await first.shutdown();

    writeFileSync(slow, "");
    let pid: number | undefined;
    const analyzer = new PolicyAnalyzer({ packDir: busy, startTimeoutMs: 1_000, onSpawn: (p) => (pid = p) });
    await expect(analyzer.start()).rejects.toThrow(/did not print its port within 1 s/);
    expect(isAlive(pid!)).toBe(false);
    expect(existsSync(finished)).toBe(false);
  });

  it("refuses a directory that is not a policy pack", async () => {
    const analyzer = new PolicyAnalyzer({ packDir: __dirname });
    await expect(analyzer.start()).rejects.toThrow(/no PulumiPolicy.yaml/);
    expect(analyzer.pid).toBeUndefined();
  });
});
