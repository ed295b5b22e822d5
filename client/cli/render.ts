import type { EndpointKeys, EndpointToken, EntraToken, InvokeResult, KeySlot } from "../endpointClient";
import type { EndpointAuthMode } from "../endpointCoordinates";

export const OUTPUT_FORMATS = ["text", "json"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const VISIBLE_KEY_CHARS = 4;

/** Keeps the last characters, so two keys can be told apart without revealing them. */
export function maskSecret(secret: string): string {
  if (secret.length <= VISIBLE_KEY_CHARS * 2) return "*".repeat(secret.length);
  return `${"*".repeat(secret.length - VISIBLE_KEY_CHARS)}${secret.slice(-VISIBLE_KEY_CHARS)}`;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function renderKeys(endpoint: string, keys: EndpointKeys, showSecrets: boolean, format: OutputFormat): string {
  const shown = showSecrets ? keys : { primaryKey: maskSecret(keys.primaryKey), secondaryKey: maskSecret(keys.secondaryKey) };
  if (format === "json") return json({ endpoint, authMode: "Key", masked: !showSecrets, ...shown });
  const hint = showSecrets ? "" : "  (masked: --show-secrets prints them)\n";
  return `Keys of endpoint ${endpoint}:\n  primary    ${shown.primaryKey}\n  secondary  ${shown.secondaryKey}\n${hint}`;
}

export function renderRotation(endpoint: string, slot: KeySlot, source: "configured" | "generated", format: OutputFormat): string {
  if (format === "json") return json({ endpoint, slot, regenerated: true, value: source });
  const value = source === "configured" ? `the value configured in the stack (configuredKeys.${slot}Key)` : "a value Azure generated";
  const next =
    slot === "secondary"
      ? "Next: move every client to the secondary key, then rotate the primary."
      : "Clients on the old primary key are refused from now on.";
  return `Regenerated the ${slot} key of endpoint ${endpoint} with ${value}.\n${next}\n`;
}

export function renderAmlToken(endpoint: string, token: EndpointToken, format: OutputFormat): string {
  const fields = { accessToken: token.accessToken, tokenType: "Bearer", expiresOn: token.expiresOn.toISOString(), refreshAfter: token.refreshAfter.toISOString() };
  if (format === "json") return json({ endpoint, authMode: "AMLToken" satisfies EndpointAuthMode, ...fields });
  return `AML token for endpoint ${endpoint} (send it as "Authorization: Bearer <token>"):\n  accessToken   ${fields.accessToken}\n  expiresOn     ${fields.expiresOn}\n  refreshAfter  ${fields.refreshAfter}  (fetch a new one after this time)\n`;
}

export function renderEntraToken(audience: string, token: EntraToken, format: OutputFormat): string {
  const fields = {
    accessToken: token.accessToken,
    tokenType: "Bearer",
    expiresOn: token.expiresOn.toISOString(),
    ...(token.refreshAfter ? { refreshAfter: token.refreshAfter.toISOString() } : {}),
  };
  if (format === "json") return json({ audience, ...fields });
  return `Entra ID token for ${audience} (send it as "Authorization: Bearer <token>"):\n  accessToken   ${fields.accessToken}\n  expiresOn     ${fields.expiresOn}\n`;
}

export function renderInvocation(endpoint: string, result: InvokeResult, format: OutputFormat): string {
  if (format === "json") {
    let body: unknown = result.body;
    try {
      body = JSON.parse(result.body);
    } catch {
      // Not JSON: keep the text.
    }
    return json({ endpoint, status: result.status, attempts: result.attempts, body });
  }
  return result.body.endsWith("\n") ? result.body : `${result.body}\n`;
}
