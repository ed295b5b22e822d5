import type { ResourceValidationPolicy } from "@pulumi/policy";
import { LEARN } from "../lib/metadata";
import { validateWebServices } from "../lib/policyKit";
import { AUTH_MODES, type AuthMode, canonicalAuthMode, effectiveV1Auth, requireEndpointAuthMode, v1AuthModes } from "../lib/webServices";

const name = "ml-endpoint-allowed-auth-modes";

/** The policy's settings, as `--policy-pack-config` and the typed pack class pass them. */
export interface AllowedAuthModesConfig {
  /** Auth modes a web service may use; v1 key auth counts as "Key", v1 token auth (AKS only) as "AMLToken". */
  allowedAuthModes?: AuthMode[];
}

export const DEFAULT_ALLOWED_AUTH_MODES: readonly AuthMode[] = AUTH_MODES;

/** Validates a configured list; throws with the offending value so a bad config fails loudly. */
export function parseAllowedAuthModes(value: unknown): AuthMode[] {
  const valid = AUTH_MODES.map((mode) => `"${mode}"`).join(", ");
  if (!Array.isArray(value) || value.length === 0) {
    throw new Error(`${name}: allowedAuthModes must be a non-empty list of ${valid}; got ${JSON.stringify(value)}`);
  }
  return value.map((entry: unknown) => {
    const mode = typeof entry === "string" && (AUTH_MODES as readonly string[]).includes(entry) ? (entry as AuthMode) : undefined;
    if (!mode) throw new Error(`${name}: allowedAuthModes contains ${JSON.stringify(entry)}; valid modes are ${valid}`);
    return mode;
  });
}

function formatModes(modes: readonly string[]): string {
  return modes.join(", ");
}

/**
 * The policy with `defaultAllowedAuthModes` used when the pack config gives none (the Node SDK does not
 * apply configSchema defaults, so the policy must).
 */
export function createMlEndpointAllowedAuthModes(
  defaultAllowedAuthModes: readonly AuthMode[] = DEFAULT_ALLOWED_AUTH_MODES,
): ResourceValidationPolicy {
  const fallback = parseAllowedAuthModes([...defaultAllowedAuthModes]);
  return {
    name,
    description: "An Azure ML web service uses only the auth modes allowed in this environment.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Set the online endpoint's properties.authMode to an allowed mode (production allows only AMLToken and AADToken). " +
      "A v1 service counts as Key when key auth is on (authEnabled, on by default on AKS) and as AMLToken when " +
      "aadAuthEnabled is on (AKS only: ACI ignores aadAuthEnabled, so an ACI service without keys has no mode); " +
      "migrate v1 services to online endpoints.",
    url: LEARN.onlineEndpointAuth,
    tags: ["azure", "machine-learning", "authentication"],
    configSchema: {
      properties: {
        allowedAuthModes: {
          type: "array",
          items: { type: "string", enum: [...AUTH_MODES] },
          minItems: 1,
          uniqueItems: true,
          default: [...fallback],
          description: "Auth modes a web service may use: Key, AMLToken, AADToken.",
        },
      },
    },
    validateResource: validateWebServices(name, (service, props, args, reportViolation) => {
      const configured = args.getConfig<AllowedAuthModesConfig>().allowedAuthModes;
      const allowed = configured === undefined ? fallback : parseAllowedAuthModes(configured);
      if (service.generation === "v1") {
        const auth = effectiveV1Auth(service.compute, props, service.kind, name);
        if (service.compute === "ACI" && auth.tokenFlag && !auth.key) {
          // Looks like AMLToken, but ACI ignores the flag: the service has no auth mode at all.
          const fix = allowed.includes("Key") ? "set authEnabled: true for key auth, or migrate" : "migrate";
          reportViolation(
            `${service.label} sets only token auth (aadAuthEnabled: true), which ACI ignores, so it has no auth mode ` +
              `(anonymous), which is not allowed here (allowed: ${formatModes(allowed)}); ${fix} it to an online endpoint ` +
              `with an allowed authMode`,
          );
          return;
        }
        for (const mode of v1AuthModes(auth).filter((m) => !allowed.includes(m))) {
          const keyField = auth.keyByDefault ? "authEnabled, on by default for AKS" : "authEnabled";
          const field = mode === "Key" ? `key auth (${keyField})` : "token auth (aadAuthEnabled)";
          reportViolation(
            `${service.label} uses ${field}, i.e. auth mode ${mode}, which is not allowed here ` +
              `(allowed: ${formatModes(allowed)}); migrate it to an online endpoint with an allowed authMode`,
          );
        }
        return;
      }
      const authMode = requireEndpointAuthMode(props, name);
      if (authMode === undefined) return; // ml-endpoint-auth-required reports a missing mode
      const mode = canonicalAuthMode(authMode);
      if (mode === undefined || !allowed.includes(mode)) {
        reportViolation(
          `OnlineEndpoint uses authMode ${JSON.stringify(authMode)}, which is not allowed here ` +
            `(allowed: ${formatModes(allowed)}); set properties.authMode to one of them`,
        );
      }
    }),
  };
}

/** The policy with the default list: every auth mode allowed. */
export const mlEndpointAllowedAuthModes: ResourceValidationPolicy = createMlEndpointAllowedAuthModes();
