import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveAmlAuthGuard } from "../../policies/amlAuthGuard";

/** The pack's own policies with their default levels, so a policy added to the pack must be added to every config. */
const PACK_POLICIES = resolveAmlAuthGuard().policies.map((policy) => ({ name: policy.name, level: policy.enforcementLevel }));
const POLICY_NAMES = PACK_POLICIES.map((policy) => policy.name);
/** The auth policies: mandatory by default, and kept mandatory in every environment. */
const MANDATORY_BY_DEFAULT = PACK_POLICIES.filter((policy) => policy.level === "mandatory").map((policy) => policy.name);
const ADVISORY_BY_DEFAULT = PACK_POLICIES.filter((policy) => policy.level === "advisory").map((policy) => policy.name);
const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];
const AUTH_MODES = ["Key", "AMLToken", "AADToken"];
/** Settings each policy accepts besides enforcementLevel. */
const SETTINGS: Record<string, string[]> = { "ml-endpoint-allowed-auth-modes": ["allowedAuthModes"] };

type PackConfig = Record<string, unknown>;

function load(environment: string): PackConfig {
  const file = path.join(__dirname, "../../policies/config", `${environment}.json`);
  return JSON.parse(readFileSync(file, "utf8")) as PackConfig;
}

function level(value: unknown): unknown {
  return typeof value === "string" ? value : (value as { enforcementLevel?: unknown }).enforcementLevel;
}

describe("the pack's policies", () => {
  it("are read from the pack, with both default levels present", () => {
    expect(POLICY_NAMES).toContain("ml-endpoint-auth-required");
    expect(MANDATORY_BY_DEFAULT.length).toBeGreaterThan(0);
    expect(ADVISORY_BY_DEFAULT.length).toBeGreaterThan(0);
    expect(MANDATORY_BY_DEFAULT.length + ADVISORY_BY_DEFAULT.length).toBe(POLICY_NAMES.length);
  });
});

describe.each(["dev", "staging", "prod"])("policies/config/%s.json", (environment) => {
  const config = load(environment);

  it("names only existing policies (or all), each of them explicitly", () => {
    for (const key of Object.keys(config)) expect([...POLICY_NAMES, "all"]).toContain(key);
    expect(Object.keys(config).filter((key) => key !== "all").sort()).toEqual([...POLICY_NAMES].sort());
  });

  it("uses valid levels and settings", () => {
    for (const [name, value] of Object.entries(config)) {
      if (typeof value === "string") {
        expect(LEVELS, name).toContain(value);
        continue;
      }
      expect(typeof value, name).toBe("object");
      const { enforcementLevel, ...settings } = value as Record<string, unknown>;
      if (enforcementLevel !== undefined) expect(LEVELS, name).toContain(enforcementLevel);
      for (const setting of Object.keys(settings)) expect(SETTINGS[name] ?? [], `${name}.${setting}`).toContain(setting);
      if ("allowedAuthModes" in settings) {
        const modes = settings.allowedAuthModes as unknown[];
        expect(Array.isArray(modes) && modes.length > 0, name).toBe(true);
        for (const mode of modes) expect(AUTH_MODES, name).toContain(mode);
      }
    }
  });

  it("keeps the auth policies mandatory", () => {
    for (const name of MANDATORY_BY_DEFAULT) expect(level(config[name]), name).toBe("mandatory");
  });
});

describe("per-environment differences", () => {
  it("allows only token modes in prod and makes TLS and private workspaces mandatory there", () => {
    const prod = load("prod");
    expect(prod["ml-endpoint-allowed-auth-modes"]).toEqual({ enforcementLevel: "mandatory", allowedAuthModes: ["AMLToken", "AADToken"] });
    expect(level(prod["ml-kubernetes-extension-tls"])).toBe("mandatory");
    expect(level(prod["ml-workspace-public-network-disabled"])).toBe("mandatory");
  });

  it.each(["dev", "staging"])("keeps the defaults explicit in %s", (environment) => {
    const config = load(environment);
    expect((config["ml-endpoint-allowed-auth-modes"] as { allowedAuthModes: string[] }).allowedAuthModes).toEqual(AUTH_MODES);
    for (const name of ADVISORY_BY_DEFAULT) expect(level(config[name]), name).toBe("advisory");
  });
});
