import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const POLICY_NAMES = [
  "ml-endpoint-auth-exclusive",
  "ml-endpoint-auth-required",
  "ml-endpoint-token-compute-supported",
  "ml-endpoint-token-same-region",
  "ml-endpoint-allowed-auth-modes",
  "ml-kubernetes-extension-tls",
  "ml-workspace-public-network-disabled",
  "ml-workspace-no-v1-legacy-mode",
  "ml-compute-local-auth-disabled",
  "storage-no-public-blob-access",
  "acr-admin-user-disabled",
  "keyvault-purge-protection",
];
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
    for (const name of POLICY_NAMES.slice(0, 5)) expect(level(config[name]), name).toBe("mandatory");
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
    for (const name of POLICY_NAMES.slice(5)) expect(level(config[name]), name).toBe("advisory");
  });
});
