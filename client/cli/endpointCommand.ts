import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { TokenCredential } from "@azure/core-auth";
import type { ClientContext } from "../../components/aadApplications";
import { processIo, type CliIo } from "../../plan/cliIo";
import { withoutStackFrames } from "../../plan/planErrors";
import { CREDENTIAL_KINDS, createCredential, type CredentialKind } from "../credentials";
import { EndpointClient, ENTRA_SCORING_AUDIENCE, KEY_SLOTS, type EndpointClientOptions, type KeySlot } from "../endpointClient";
import { ENDPOINT_AUTH_MODES, type EndpointAuthMode, type EndpointCoordinates } from "../endpointCoordinates";
import { EndpointClientError } from "../errors";
import { clientContextFromOutputs, endpointFromOutputs, readStackOutputs, type EndpointFromOutputs } from "../stackOutputs";
import { OUTPUT_FORMATS, renderAmlToken, renderEntraToken, renderInvocation, renderKeys, renderRotation, type OutputFormat } from "./render";
import { ENDPOINT_COMMANDS, ENDPOINT_USAGE, type EndpointCommandName } from "./usage";

const OPTIONS = {
  outputs: { type: "string" },
  endpoint: { type: "string" },
  workspace: { type: "string" },
  "resource-group": { type: "string" },
  subscription: { type: "string" },
  "auth-mode": { type: "string" },
  "scoring-uri": { type: "string" },
  credential: { type: "string" },
  authority: { type: "string" },
  tenant: { type: "string" },
  "client-id": { type: "string" },
  resource: { type: "string" },
  "disable-instance-discovery": { type: "boolean" },
  "arm-endpoint": { type: "string" },
  slot: { type: "string" },
  data: { type: "string" },
  "content-type": { type: "string" },
  deployment: { type: "string" },
  "max-retries": { type: "string" },
  "max-retry-delay": { type: "string" },
  format: { type: "string" },
  "show-secrets": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type Flags = ReturnType<typeof parseFlags>;

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true }).values;
  } catch (error) {
    throw usage((error as Error).message.replace(/\. To specify a positional.*$/s, ""));
  }
}

function usage(message: string): EndpointClientError {
  return new EndpointClientError(message, "usage");
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  const match = allowed.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
  if (!match) throw usage(`--${flag} must be one of ${allowed.join(", ")}, got '${value}'`);
  return match;
}

function wholeNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw usage(`--${flag} must be a whole number from 0 up, got '${value}'`);
  return Number(value);
}

interface Target {
  readonly coordinates: EndpointCoordinates;
  readonly fromOutputs?: EndpointFromOutputs;
}

/** The endpoint from the stack outputs, with flags taking precedence; or from flags alone. */
function resolveTarget(flags: Flags, env: NodeJS.ProcessEnv): Target | undefined {
  const fromOutputs = flags.outputs ? endpointFromOutputs(readStackOutputs(flags.outputs), flags.endpoint, flags.outputs) : undefined;
  const name = flags.endpoint ?? fromOutputs?.coordinates.endpointName;
  if (name === undefined) return undefined;
  const base = fromOutputs?.coordinates;
  const workspaceName = flags.workspace ?? base?.workspaceName;
  const resourceGroupName = flags["resource-group"] ?? base?.resourceGroupName;
  const missing = [!workspaceName && "--workspace", !resourceGroupName && "--resource-group"].filter(Boolean);
  if (missing.length > 0) throw usage(`endpoint '${name}' needs ${missing.join(" and ")}, or --outputs with the stack outputs`);
  const subscriptionId = flags.subscription ?? base?.subscriptionId ?? env.AZURE_SUBSCRIPTION_ID;
  const authMode = flags["auth-mode"] !== undefined ? oneOf<EndpointAuthMode>("auth-mode", flags["auth-mode"], ENDPOINT_AUTH_MODES, "Key") : base?.authMode;
  const scoringUri = flags["scoring-uri"] ?? base?.scoringUri;
  return {
    coordinates: {
      endpointName: name,
      workspaceName: workspaceName!,
      resourceGroupName: resourceGroupName!,
      ...(subscriptionId ? { subscriptionId } : {}),
      ...(authMode ? { authMode } : {}),
      ...(scoringUri ? { scoringUri } : {}),
    },
    ...(fromOutputs ? { fromOutputs } : {}),
  };
}

function requireTarget(target: Target | undefined, command: EndpointCommandName): Target {
  if (!target) throw usage(`endpoint ${command} needs an endpoint: --outputs <file> (and --endpoint when it holds several), or --endpoint with --workspace and --resource-group`);
  return target;
}

function credentialFor(flags: Flags, kind: CredentialKind, context: Partial<ClientContext> | undefined, io: CliIo): TokenCredential {
  const deviceContext = { authuri: flags.authority ?? context?.authuri, tenant: flags.tenant ?? context?.tenant, clientid: flags["client-id"] ?? context?.clientid };
  return createCredential({
    kind,
    context: Object.fromEntries(Object.entries(deviceContext).filter(([, value]) => value !== undefined)),
    disableInstanceDiscovery: flags["disable-instance-discovery"] ?? false,
    prompt: (info) => io.stderr(`${info.message}\n`),
  });
}

/** `aml-webservices endpoint <command> ...`: returns the exit code (0, 1 or 2). */
export async function main(argv: string[], io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.stderr(`error: missing endpoint command\n\n${ENDPOINT_USAGE}`);
    return 2;
  }
  if (command === "--help" || command === "-h" || command === "help") {
    io.stdout(ENDPOINT_USAGE);
    return 0;
  }
  if (!(ENDPOINT_COMMANDS as readonly string[]).includes(command)) {
    io.stderr(`error: unknown endpoint command '${command}': one of ${ENDPOINT_COMMANDS.join(", ")}\n\n${ENDPOINT_USAGE}`);
    return 2;
  }
  try {
    const flags = parseFlags(rest);
    if (flags.help) {
      io.stdout(ENDPOINT_USAGE);
      return 0;
    }
    io.stdout(await run(command as EndpointCommandName, flags, io, env));
    return 0;
  } catch (error) {
    io.stderr(`error: ${errorMessage(error)}\n`);
    return error instanceof EndpointClientError && error.kind === "usage" ? 2 : 1;
  }
}

async function run(command: EndpointCommandName, flags: Flags, io: CliIo, env: NodeJS.ProcessEnv): Promise<string> {
  const format = oneOf<OutputFormat>("format", flags.format, OUTPUT_FORMATS, "text");
  // aad-token without --endpoint is Machine Learning Server's login: it needs no endpoint.
  const target = command === "aad-token" && flags.endpoint === undefined ? undefined : resolveTarget(flags, env);
  const context = flags.outputs ? clientContextFromOutputs(readStackOutputs(flags.outputs)) : undefined;
  const credential = (kind: CredentialKind) => credentialFor(flags, kind, context, io);
  const clientFor: ClientFactory = (found, kind, extra = {}) =>
    new EndpointClient(found.coordinates, {
      credential: credential(kind),
      ...(flags["arm-endpoint"] ? { armEndpoint: flags["arm-endpoint"] } : {}),
      ...extra,
    });
  const credentialKind = oneOf<CredentialKind>("credential", flags.credential, CREDENTIAL_KINDS, command === "aad-token" ? "device-code" : "default");

  switch (command) {
    case "keys": {
      const found = requireTarget(target, command);
      const keys = await clientFor(found, credentialKind).listKeys();
      return renderKeys(found.coordinates.endpointName, keys, flags["show-secrets"] ?? false, format);
    }
    case "rotate": {
      const found = requireTarget(target, command);
      if (flags.slot === undefined) throw usage("endpoint rotate needs --slot primary or --slot secondary");
      const slot = oneOf<KeySlot>("slot", flags.slot, KEY_SLOTS, "secondary");
      const configured = found.fromOutputs?.configuredKeys?.[slot === "primary" ? "primaryKey" : "secondaryKey"];
      await clientFor(found, credentialKind).regenerateKey(slot, configured);
      return renderRotation(found.coordinates.endpointName, slot, configured !== undefined ? "configured" : "generated", format);
    }
    case "token": {
      const found = requireTarget(target, command);
      const token = await clientFor(found, credentialKind).getToken();
      return renderAmlToken(found.coordinates.endpointName, token, format);
    }
    case "aad-token":
      return aadToken(flags, target, context, format, () => credential(credentialKind), (found) => clientFor(found, credentialKind, { scoringAudience: audienceOf(flags, found) }));
    case "invoke": {
      const found = requireTarget(target, command);
      if (!flags.data) throw usage("endpoint invoke needs --data <file> with the request body");
      const body = readDataFile(flags.data);
      const maxRetries = wholeNumber("max-retries", flags["max-retries"]);
      const maxDelaySeconds = wholeNumber("max-retry-delay", flags["max-retry-delay"]);
      const retry = { ...(maxRetries !== undefined ? { maxRetries } : {}), ...(maxDelaySeconds !== undefined ? { maxDelayMs: maxDelaySeconds * 1000 } : {}) };
      const result = await clientFor(found, credentialKind, { retry }).invoke(body, {
        ...(flags["content-type"] ? { contentType: flags["content-type"] } : {}),
        ...(flags.deployment ? { deployment: flags.deployment } : {}),
      });
      return renderInvocation(found.coordinates.endpointName, result, format);
    }
  }
}

type ClientFactory = (found: Target, kind: CredentialKind, extra?: Partial<EndpointClientOptions>) => EndpointClient;

function audienceOf(flags: Flags, target: Target): string {
  return flags.resource ?? target.fromOutputs?.aadTokenAudience ?? ENTRA_SCORING_AUDIENCE;
}

/**
 * With --endpoint: an Entra ID token for that endpoint, AADToken endpoints only. Without: Machine
 * Learning Server's login, a token for the web app's resource in the stack's clientContext.
 */
async function aadToken(
  flags: Flags,
  target: Target | undefined,
  context: ClientContext | undefined,
  format: OutputFormat,
  credential: () => TokenCredential,
  endpointClient: (found: Target) => EndpointClient,
): Promise<string> {
  if (target) {
    return renderEntraToken(audienceOf(flags, target), await endpointClient(target).getEntraToken(), format);
  }
  const audience = flags.resource ?? context?.resource;
  if (!audience) throw usage("endpoint aad-token needs an audience: stack outputs with clientContext, --resource <audience>, or --endpoint <AADToken endpoint>");
  let token;
  try {
    token = await credential().getToken(`${audience}/.default`);
  } catch (error) {
    if (error instanceof EndpointClientError) throw error;
    throw new EndpointClientError(`could not sign in to Entra ID for ${audience}: ${errorMessage(error)}`, "credential-refused");
  }
  if (!token) throw new EndpointClientError(`the credential returned no token for ${audience}`, "credential-refused");
  return renderEntraToken(audience, { accessToken: token.token, expiresOn: new Date(token.expiresOnTimestamp) }, format);
}

function readDataFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw usage(`cannot read --data ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** The message of an error, never its stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof EndpointClientError) return error.message;
  if (error instanceof Error) return withoutStackFrames(error.message) || error.name;
  return String(error);
}
