import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { consumerPermissions } from "../../../components/endpointAccess";
import { FakeArm, scoringUriOf } from "./fakeArm";
import { FakeEntra } from "./fakeEntra";
import { ENTRA_SCORING_AUDIENCE, FakeScoring } from "./fakeScoring";
import { generateLoopbackCertificate, type TlsCertificate } from "./tlsCertificate";
import { FakeAzureWorld, type FakeEndpoint } from "./world";

export const TENANT = "7a1f3c2e-0b4d-4e8f-9a6b-1c2d3e4f5a6b";
export const SUBSCRIPTION = "3f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f";
export const RESOURCE_GROUP = "aml-webservices-dev-rg";
export const WORKSPACE = "aml-webservices-dev-ws";
export const LOCATION = "westeurope";

export const KEY_ENDPOINT = "credit-score-dev";
export const TOKEN_ENDPOINT = "fraud-check-dev";
export const ENTRA_ENDPOINT = "triage-dev";

export const INITIAL_KEYS = { primaryKey: "initial-primary-key-0001", secondaryKey: "initial-secondary-key-0002" };
/** What the stack config asks for after raising both rotation counters: the values to rotate to. */
export const CONFIGURED_KEYS = { primaryKey: "configured-primary-key-1111", secondaryKey: "configured-secondary-key-2222" };

/** Service principals signing in with a client secret (EnvironmentCredential in the CLI). */
export const CONSUMER = { clientId: "5b0c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d", secret: "consumer-secret", objectId: "0d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a" };
export const OPERATOR = { clientId: "6c1d2e3f-4a5b-4c6d-9e7f-8a9b0c1d2e3f", secret: "operator-secret", objectId: "1e2f3a4b-5c6d-4e7f-9a8b-9c0d1e2f3a4b" };
export const OUTSIDER = { clientId: "7d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a", secret: "outsider-secret", objectId: "2f3a4b5c-6d7e-4f8a-9b0c-0d1e2f3a4b5c" };
/** The native (public client) app of the stack's clientContext, and the web app it calls. */
export const NATIVE_CLIENT_ID = "8e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b";
export const WEB_APP_CLIENT_ID = "9f4a5b6c-7d8e-4f9a-8b1c-2d3e4f5a6b7c";
/** A person who signs in with a device code. */
export const USER_OBJECT_ID = "3a4b5c6d-7e8f-4a9b-8c1d-2e3f4a5b6c7d";

export interface FakeAzure {
  readonly world: FakeAzureWorld;
  readonly arm: FakeArm;
  readonly entra: FakeEntra;
  readonly scoring: FakeScoring;
  readonly tls: TlsCertificate;
  endpoint(name: string): FakeEndpoint;
  /** What `pulumi stack output --json --show-secrets` prints for this project's program. */
  stackOutputs(): Record<string, unknown>;
  writeStackOutputs(dir: string): string;
  close(): Promise<void>;
}

/** A fake Azure on 127.0.0.1: ARM, an Entra ID authority and scoring URIs over HTTPS, sharing one world. */
export async function startFakeAzure(): Promise<FakeAzure> {
  const tls = generateLoopbackCertificate();
  const world = new FakeAzureWorld();
  const arm = new FakeArm(world);
  const entra = new FakeEntra(world, { tenant: TENANT, publicClients: [NATIVE_CLIENT_ID] });
  const scoring = new FakeScoring(world);
  await Promise.all([arm.start(tls), entra.start(tls), scoring.start(tls)]);

  const common = { workspace: WORKSPACE, resourceGroup: RESOURCE_GROUP, subscription: SUBSCRIPTION, location: LOCATION };
  world.endpoints.push(
    { name: KEY_ENDPOINT, authMode: "Key", keys: { ...INITIAL_KEYS }, ...common },
    { name: TOKEN_ENDPOINT, authMode: "AMLToken", ...common },
    { name: ENTRA_ENDPOINT, authMode: "AADToken", ...common },
  );
  for (const app of [CONSUMER, OPERATOR, OUTSIDER]) world.applications.set(app.clientId, { secret: app.secret, objectId: app.objectId });
  // The consumer and the user hold each endpoint's consumer role (components/endpointAccess.ts) at its scope.
  for (const endpoint of world.endpoints) {
    const permissions = consumerPermissions(endpoint.authMode);
    const actions = [...permissions.actions];
    world.grants.push({ objectId: CONSUMER.objectId, scope: world.endpointId(endpoint), actions }, { objectId: USER_OBJECT_ID, scope: world.endpointId(endpoint), actions });
  }
  // The operator may rotate keys in the whole workspace.
  world.grants.push({
    objectId: OPERATOR.objectId,
    scope: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.MachineLearningServices/workspaces/${WORKSPACE}`,
    actions: ["Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read", "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/listKeys/action", "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/regenerateKeys/action"],
  });

  const endpoint = (name: string) => {
    const found = world.endpoints.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`no fake endpoint ${name}`);
    return found;
  };
  const stackOutputs = () => {
    const id = (name: string) => world.endpointId(endpoint(name));
    return {
      clientContext: { authuri: entra.url, tenant: TENANT, clientid: NATIVE_CLIENT_ID, resource: WEB_APP_CLIENT_ID },
      workspace: { name: WORKSPACE, resourceGroup: RESOURCE_GROUP, location: LOCATION },
      endpoints: {
        [KEY_ENDPOINT]: {
          authMode: "Key",
          scoringUri: scoringUriOf(endpoint(KEY_ENDPOINT), scoring.url),
          keys: { ...endpoint(KEY_ENDPOINT).keys },
          configuredKeys: CONFIGURED_KEYS,
          regenerateKeysPath: `${id(KEY_ENDPOINT)}/regenerateKeys`,
        },
        [TOKEN_ENDPOINT]: {
          authMode: "AMLToken",
          scoringUri: scoringUriOf(endpoint(TOKEN_ENDPOINT), scoring.url),
          tokenAccess: { endpointName: TOKEN_ENDPOINT, workspaceName: WORKSPACE, resourceGroupName: RESOURCE_GROUP, subscriptionId: SUBSCRIPTION, tokenPath: `${id(TOKEN_ENDPOINT)}/token` },
        },
        [ENTRA_ENDPOINT]: { authMode: "AADToken", scoringUri: scoringUriOf(endpoint(ENTRA_ENDPOINT), scoring.url), aadTokenAudience: ENTRA_SCORING_AUDIENCE },
      },
    };
  };
  return {
    world,
    arm,
    entra,
    scoring,
    tls,
    endpoint,
    stackOutputs,
    writeStackOutputs: (dir) => {
      const file = path.join(dir, "outputs.json");
      writeFileSync(file, JSON.stringify(stackOutputs(), null, 2));
      return file;
    },
    close: async () => {
      await Promise.all([arm.close(), entra.close(), scoring.close()]);
      tls.remove();
    },
  };
}
