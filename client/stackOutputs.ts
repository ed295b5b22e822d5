import { readFileSync } from "node:fs";
import { z } from "zod";
import type { ClientContext } from "../components/aadApplications";
import { ENDPOINT_AUTH_MODES, subscriptionOfArmPath, type EndpointCoordinates } from "./endpointCoordinates";
import type { EndpointKeys } from "./endpointClient";
import { EndpointClientError } from "./errors";

/** What `pulumi stack output --json` prints for a secret without --show-secrets. */
const SECRET_PLACEHOLDER = "[secret]";

const keysSchema = z.object({ primaryKey: z.string().min(1), secondaryKey: z.string().min(1) });
const secretKeys = z.union([z.literal(SECRET_PLACEHOLDER), keysSchema]);

const endpointOutputsSchema = z.object({
  authMode: z.enum(ENDPOINT_AUTH_MODES),
  scoringUri: z.string(),
  keys: secretKeys.optional(),
  configuredKeys: secretKeys.optional(),
  regenerateKeysPath: z.string().optional(),
  tokenAccess: z
    .object({ endpointName: z.string(), workspaceName: z.string(), resourceGroupName: z.string(), subscriptionId: z.string(), tokenPath: z.string() })
    .optional(),
  aadTokenAudience: z.string().optional(),
});

const clientContextSchema = z.object({ authuri: z.string().url(), tenant: z.string().min(1), clientid: z.string().min(1), resource: z.string().min(1) });

/** The outputs of this project's program (`index.ts`), as `pulumi stack output --json --show-secrets` prints them. */
export const stackOutputsSchema = z.object({
  clientContext: clientContextSchema.nullish(),
  workspace: z.object({ name: z.string().min(1), resourceGroup: z.string().min(1), location: z.string().optional() }),
  endpoints: z.record(z.string(), endpointOutputsSchema),
});

export type StackOutputs = z.infer<typeof stackOutputsSchema>;

/** One endpoint as the stack outputs describe it. */
export interface EndpointFromOutputs {
  readonly coordinates: EndpointCoordinates;
  /** Key endpoints: the secrets the stack config asks for, the values a rotation sets. */
  readonly configuredKeys?: EndpointKeys;
  /** AADToken endpoints: the audience of their Entra ID tokens. */
  readonly aadTokenAudience?: string;
}

export function readStackOutputs(file: string): StackOutputs {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new EndpointClientError(`cannot read the stack outputs file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, "usage");
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new EndpointClientError(`the stack outputs file ${file} is not JSON; write it with \`pulumi stack output --json --show-secrets > ${file}\``, "usage");
  }
  const parsed = stackOutputsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new EndpointClientError(`the stack outputs file ${file} is not this project's stack outputs: ${problems.join("; ")}`, "usage");
  }
  return parsed.data;
}

/** The endpoint named `endpointName`, or the only one when no name is given. */
export function endpointFromOutputs(outputs: StackOutputs, endpointName: string | undefined, file: string): EndpointFromOutputs {
  const names = Object.keys(outputs.endpoints);
  const name = endpointName ?? (names.length === 1 ? names[0] : undefined);
  if (name === undefined) {
    throw new EndpointClientError(`the stack outputs in ${file} hold ${names.length === 0 ? "no endpoints" : `endpoints ${names.join(", ")}`}: choose one with --endpoint`, "usage");
  }
  const endpoint = outputs.endpoints[name];
  if (!endpoint) throw new EndpointClientError(`the stack outputs in ${file} have no endpoint '${name}' (they have: ${names.join(", ") || "none"})`, "usage");
  if (endpoint.configuredKeys === SECRET_PLACEHOLDER || endpoint.keys === SECRET_PLACEHOLDER) {
    throw new EndpointClientError(`the stack outputs in ${file} hide secrets as "[secret]": write them with \`pulumi stack output --json --show-secrets\``, "usage");
  }
  // Every endpoint of a stack is in its one workspace, so any endpoint that carries the subscription tells it.
  const subscriptionId = subscriptionOf(endpoint) ?? Object.values(outputs.endpoints).map(subscriptionOf).find((found) => found !== undefined);
  return {
    coordinates: {
      endpointName: name,
      workspaceName: endpoint.tokenAccess?.workspaceName ?? outputs.workspace.name,
      resourceGroupName: endpoint.tokenAccess?.resourceGroupName ?? outputs.workspace.resourceGroup,
      ...(subscriptionId ? { subscriptionId } : {}),
      authMode: endpoint.authMode,
      ...(endpoint.scoringUri ? { scoringUri: endpoint.scoringUri } : {}),
    },
    ...(endpoint.configuredKeys ? { configuredKeys: endpoint.configuredKeys } : {}),
    ...(endpoint.aadTokenAudience ? { aadTokenAudience: endpoint.aadTokenAudience } : {}),
  };
}

function subscriptionOf(endpoint: z.infer<typeof endpointOutputsSchema>): string | undefined {
  return endpoint.tokenAccess?.subscriptionId ?? (endpoint.regenerateKeysPath ? subscriptionOfArmPath(endpoint.regenerateKeysPath) : undefined);
}

export function clientContextFromOutputs(outputs: StackOutputs): ClientContext | undefined {
  return outputs.clientContext ?? undefined;
}
