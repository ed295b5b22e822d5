import * as pulumi from "@pulumi/pulumi";
import { createMlWorkspaceResources, validatedMlWorkspaceNames, type MlWorkspaceArgs as TypedMlWorkspaceArgs } from "../components/mlWorkspace";
import { TYPE_PREFIX } from "../components/typeTokens";
import type { PrivateSubnets, WorkspaceNetwork } from "../components/workspaceNetwork";
import { ManagedOutbound, NetworkKind } from "./enums";
import { Problems } from "./plainChecks";

/**
 * The workspace's network. Private: give either a new network (addressSpace, privateEndpointSubnet,
 * aksSubnet) or a hub team's subnets (privateEndpointSubnetId, aksSubnetId).
 */
export interface NetworkSettings {
  /** Default "public". */
  readonly kind?: NetworkKind;
  /** A new virtual network's address space, e.g. "10.40.0.0/16". */
  readonly addressSpace?: string;
  /** Inside addressSpace, e.g. "10.40.0.0/24": the private endpoints. */
  readonly privateEndpointSubnet?: string;
  /** Inside addressSpace, e.g. "10.40.16.0/20": one address per AKS node. */
  readonly aksSubnet?: string;
  /** ARM id of an existing subnet for the private endpoints. */
  readonly privateEndpointSubnetId?: string;
  /** ARM id of an existing subnet for AKS nodes. */
  readonly aksSubnetId?: string;
  /** A hub resource group holding the private DNS zones; only with existing subnets. Default: zones in the workspace's resource group. */
  readonly privateDnsZonesResourceGroupId?: string;
  /** Default "AllowInternetOutbound". */
  readonly managedOutbound?: ManagedOutbound;
}

export interface MlWorkspaceArgs {
  /** 2-10 lowercase letters or digits; part of every name and the `environment` tag. */
  readonly environment: string;
  /** The Azure region of every resource in the workspace, e.g. "westeurope". */
  readonly location: string;
  /** Default: public. */
  readonly network?: NetworkSettings;
  /** High business impact: reduces the diagnostic data Microsoft collects. Default false. */
  readonly hbi?: boolean;
  /** Protect the stateful resources from deletion. Default: true when environment is "prod". */
  readonly protect?: boolean;
  /** Up to 6 lowercase letters or digits appended to globally unique names (storage, key vault, registry). Default "". */
  readonly nameSuffix?: string;
  /** Extra tags; `environment` and `managed-by` are always set. */
  readonly tags?: Record<string, string>;
}

/**
 * An Azure ML workspace with its resource group, storage, key vault, monitoring and registry, all
 * named from environment and region and locked down by default. Pass its outputs to clusters and
 * services as their `workspace`.
 */
export class MlWorkspace extends pulumi.ComponentResource {
  /** The environment the workspace was created for. */
  readonly environment: string;
  /** The workspace's region. */
  readonly location: string;
  /** Whether the workspace is reached through private endpoints. */
  readonly privateEndpoint: boolean;
  /** The tags of every resource, `environment` and `managed-by` included. */
  readonly tags: Record<string, string>;
  /** The subscription the workspace is in. */
  readonly subscriptionId: pulumi.Output<string>;
  /** The workspace's resource group. */
  readonly resourceGroupName: pulumi.Output<string>;
  /** ARM id of the workspace's resource group. */
  readonly resourceGroupId: pulumi.Output<string>;
  /** The workspace's name. */
  readonly workspaceName: pulumi.Output<string>;
  /** ARM id of the workspace, as Azure reports it. */
  readonly workspaceId: pulumi.Output<string>;
  /** ARM id of the workspace built from its names, known during preview. */
  readonly workspaceArmId: pulumi.Output<string>;
  /** Private networks: the subnet new AKS clusters join. */
  readonly aksSubnetId?: pulumi.Output<string>;
  /** High-business-impact workspaces: ARM id of the workspace storage, where attached computes get roles. */
  readonly hbiStorageAccountId?: pulumi.Output<string>;

  constructor(name: string, args: MlWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    const typedArgs = typedMlWorkspaceArgs(name, args, opts);
    // Every check of the TypeScript component runs before anything is registered.
    const names = validatedMlWorkspaceNames(name, typedArgs, opts);
    super(`${TYPE_PREFIX}:MlWorkspace`, name, {}, opts);
    // The TypeScript component's resources, directly under this component: the same tree as in TypeScript.
    const workspace = createMlWorkspaceResources(this, name, typedArgs, names);
    this.environment = workspace.environment;
    this.location = workspace.location;
    this.privateEndpoint = workspace.privateEndpoint;
    this.tags = { ...workspace.tags };
    this.subscriptionId = workspace.subscriptionId;
    this.resourceGroupName = workspace.resourceGroupName;
    this.resourceGroupId = workspace.resourceGroupId;
    this.workspaceName = workspace.workspaceName;
    this.workspaceId = workspace.workspaceId;
    this.workspaceArmId = workspace.workspaceArmId;
    if (workspace.aksSubnetId) this.aksSubnetId = workspace.aksSubnetId;
    if (workspace.hbiStorageAccountId) this.hbiStorageAccountId = workspace.hbiStorageAccountId;
    this.registerOutputs({
      environment: this.environment,
      location: this.location,
      privateEndpoint: this.privateEndpoint,
      tags: this.tags,
      subscriptionId: this.subscriptionId,
      resourceGroupName: this.resourceGroupName,
      resourceGroupId: this.resourceGroupId,
      workspaceName: this.workspaceName,
      workspaceId: this.workspaceId,
      workspaceArmId: this.workspaceArmId,
      aksSubnetId: this.aksSubnetId,
      hbiStorageAccountId: this.hbiStorageAccountId,
    });
  }
}

/** The typed arguments, or a ResourceError naming every field that other languages could get wrong. */
export function typedMlWorkspaceArgs(name: string, args: MlWorkspaceArgs, opts?: pulumi.ComponentResourceOptions): TypedMlWorkspaceArgs {
  const problems = new Problems();
  const location =
    problems.knownString("location", args.location, "a region name such as \"westeurope\"") === undefined ? undefined : problems.region("location", args.location);
  const network = workspaceNetwork(args.network, problems);
  if (problems.list.length > 0 || !location || !network) throw new pulumi.ResourceError(`MlWorkspace "${name}": ${problems.list.join("; ")}`, opts?.parent, true);
  return {
    environment: args.environment,
    location,
    network,
    ...(args.hbi !== undefined ? { hbi: args.hbi } : {}),
    ...(args.protect !== undefined ? { protect: args.protect } : {}),
    ...(args.nameSuffix !== undefined ? { nameSuffix: args.nameSuffix } : {}),
    ...(args.tags !== undefined ? { tags: args.tags } : {}),
  };
}

const NEW_NETWORK = ["addressSpace", "privateEndpointSubnet", "aksSubnet"] as const;
const HUB_SUBNETS = ["privateEndpointSubnetId", "aksSubnetId"] as const;

function workspaceNetwork(settings: NetworkSettings | undefined, problems: Problems): WorkspaceNetwork | undefined {
  const kind = problems.oneOf("network.kind", NetworkKind, settings?.kind ?? NetworkKind.Public);
  if (kind === undefined || settings === undefined) return kind === undefined ? undefined : { kind: "public" };
  const given = (keys: readonly (keyof NetworkSettings)[]) => keys.filter((key) => settings[key] !== undefined);
  const privateOnly = [...given(NEW_NETWORK), ...given(HUB_SUBNETS), ...given(["privateDnsZonesResourceGroupId", "managedOutbound"])];
  if (kind === NetworkKind.Public) {
    if (privateOnly.length > 0) problems.add(`network.${privateOnly.join(", network.")} apply only to network.kind "private"`);
    return { kind: "public" };
  }
  const newKeys = given(NEW_NETWORK);
  const hubKeys = given(HUB_SUBNETS);
  let subnets: PrivateSubnets | undefined;
  if (newKeys.length === NEW_NETWORK.length && hubKeys.length === 0) {
    subnets = { kind: "new", addressSpace: settings.addressSpace!, privateEndpointSubnet: settings.privateEndpointSubnet!, aksSubnet: settings.aksSubnet! };
  } else if (hubKeys.length === HUB_SUBNETS.length && newKeys.length === 0) {
    subnets = { kind: "existing", privateEndpointSubnetId: settings.privateEndpointSubnetId!, aksSubnetId: settings.aksSubnetId! };
  } else {
    problems.add(
      `a private network needs either a new network (network.addressSpace, network.privateEndpointSubnet and network.aksSubnet) ` +
        `or a hub's subnets (network.privateEndpointSubnetId and network.aksSubnetId), not ${[...newKeys, ...hubKeys].map((key) => `network.${key}`).join(", ") || "neither"}`,
    );
    return undefined;
  }
  const managedOutbound = settings.managedOutbound === undefined ? undefined : problems.oneOf("network.managedOutbound", ManagedOutbound, settings.managedOutbound);
  return {
    kind: "private",
    subnets,
    ...(settings.privateDnsZonesResourceGroupId !== undefined ? { privateDnsZonesResourceGroupId: settings.privateDnsZonesResourceGroupId } : {}),
    ...(managedOutbound !== undefined ? { managedOutbound } : {}),
  };
}
