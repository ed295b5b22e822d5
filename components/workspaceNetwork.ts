import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import { contains, overlaps, parseCidr } from "./cidr";
import type { PlatformNames } from "./naming";
import { RESOURCE_GROUP_ID, SUBNET_ID } from "./patterns";

/** Kubernetes service addresses of clusters in the network; the network's own ranges must not overlap them. */
export const AKS_SERVICE_CIDR = "172.16.0.0/16";
export const AKS_DNS_SERVICE_IP = "172.16.0.10";

/** Subnets for the private endpoints and the AKS nodes: a network this stack creates, or a hub team's. */
export type PrivateSubnets =
  | {
      readonly kind: "new";
      /** The virtual network's address space, e.g. "10.40.0.0/16". */
      readonly addressSpace: string;
      /** Inside addressSpace, e.g. "10.40.0.0/24". */
      readonly privateEndpointSubnet: string;
      /** Inside addressSpace, e.g. "10.40.16.0/20": one address per node. */
      readonly aksSubnet: string;
    }
  | {
      readonly kind: "existing";
      readonly privateEndpointSubnetId: string;
      readonly aksSubnetId: string;
    };

/** Outbound traffic of the workspace's managed network, which managed online deployments use. */
export type ManagedOutbound = "AllowInternetOutbound" | "AllowOnlyApprovedOutbound";

/** How clients, clusters and managed compute reach the workspace. */
export type WorkspaceNetwork =
  | { readonly kind: "public" }
  | {
      readonly kind: "private";
      readonly subnets: PrivateSubnets;
      /**
       * A hub resource group that holds the private DNS zones and resolves them for its networks; the
       * endpoints register there. Default: the zones are created in the workspace's resource group and
       * linked to the network of the subnets.
       */
      readonly privateDnsZonesResourceGroupId?: string;
      /** Default "AllowInternetOutbound". */
      readonly managedOutbound?: ManagedOutbound;
    };

export type PrivateLinkTarget = "workspace" | "blob" | "file" | "vault" | "registry";

/**
 * Sub-resources and private DNS zones of each private endpoint, from Microsoft's table
 * (https://learn.microsoft.com/azure/private-link/private-endpoint-dns; azure-docs
 * articles/private-link/private-endpoint-dns.md) and the workspace's private link how-to
 * (https://learn.microsoft.com/azure/machine-learning/how-to-configure-private-link).
 */
export const PRIVATE_LINK_TARGETS: Readonly<Record<PrivateLinkTarget, { readonly groupId: string; readonly zones: readonly string[] }>> = {
  workspace: { groupId: "amlworkspace", zones: ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"] },
  blob: { groupId: "blob", zones: ["privatelink.blob.core.windows.net"] },
  file: { groupId: "file", zones: ["privatelink.file.core.windows.net"] },
  vault: { groupId: "vault", zones: ["privatelink.vaultcore.azure.net"] },
  registry: { groupId: "registry", zones: ["privatelink.azurecr.io"] },
};

/** A hub's zones resolve only in the hub's networks, which a network this stack creates is not linked to. */
export function hubZonesNeedHubSubnets(field: string): string {
  return (
    `${field}.privateDnsZonesResourceGroupId names a hub's DNS zones, but the subnets are in a new network that those zones are not linked to ` +
    `(give the hub's subnets, privateEndpointSubnetId and aksSubnetId, or remove privateDnsZonesResourceGroupId to create zones for the new network)`
  );
}

/** Problems with a private network's settings, each naming the field and the fix. */
export function privateNetworkProblems(networkArgs: WorkspaceNetwork, field = "network"): string[] {
  if (networkArgs.kind === "public") return [];
  const problems: string[] = [];
  const { subnets } = networkArgs;
  if (subnets.kind === "new") {
    const ranges = (["addressSpace", "privateEndpointSubnet", "aksSubnet"] as const).map((key) => {
      const range = parseCidr(subnets[key]);
      if (!range) problems.push(`${field}.subnets.${key} "${subnets[key]}" is not an IPv4 CIDR block such as "10.40.0.0/16" (no host bits set)`);
      return range;
    });
    const [space, endpoints, aks] = ranges;
    const service = parseCidr(AKS_SERVICE_CIDR);
    if (space && endpoints && !contains(space, endpoints)) problems.push(`${field}.subnets.privateEndpointSubnet "${subnets.privateEndpointSubnet}" is outside addressSpace "${subnets.addressSpace}"`);
    if (space && aks && !contains(space, aks)) problems.push(`${field}.subnets.aksSubnet "${subnets.aksSubnet}" is outside addressSpace "${subnets.addressSpace}"`);
    if (endpoints && aks && overlaps(endpoints, aks)) problems.push(`${field}.subnets.privateEndpointSubnet and aksSubnet overlap; give them separate ranges`);
    if (space && service && overlaps(space, service)) {
      problems.push(`${field}.subnets.addressSpace "${subnets.addressSpace}" overlaps the AKS service range ${AKS_SERVICE_CIDR}; choose another address space`);
    }
  } else {
    for (const key of ["privateEndpointSubnetId", "aksSubnetId"] as const) {
      if (!SUBNET_ID.test(subnets[key])) {
        problems.push(`${field}.subnets.${key} "${subnets[key]}" is not the ARM id of a subnet (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<network>/subnets/<subnet>)`);
      }
    }
  }
  const zones = networkArgs.privateDnsZonesResourceGroupId;
  if (zones !== undefined && !RESOURCE_GROUP_ID.test(zones)) {
    problems.push(`${field}.privateDnsZonesResourceGroupId "${zones}" is not the ARM id of a resource group (/subscriptions/<id>/resourceGroups/<group>)`);
  }
  if (zones !== undefined && subnets.kind === "new") {
    problems.push(hubZonesNeedHubSubnets(field));
  }
  return problems;
}

export interface PrivateNetworkArgs {
  readonly network: Extract<WorkspaceNetwork, { kind: "private" }>;
  readonly names: PlatformNames;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;
  /** ARM ids of what each private endpoint connects to */
  readonly targets: Readonly<Record<"workspace" | "storage" | "keyVault" | "registry", pulumi.Input<string>>>;
  readonly parent: pulumi.Resource;
}

export interface PrivateNetwork {
  readonly virtualNetwork?: network.VirtualNetwork;
  readonly aksSubnetId: pulumi.Output<string>;
  readonly privateEndpoints: readonly network.PrivateEndpoint[];
  readonly privateDnsZones: readonly privatedns.PrivateZone[];
}

function virtualNetworkOf(subnetId: string): string {
  return subnetId.replace(/\/subnets\/[^/]+$/i, "");
}

/**
 * The private path to a workspace: a private endpoint for the workspace, its storage (blob and
 * file), key vault and registry, each registered in its private DNS zones, in a network where the
 * AKS nodes also live.
 */
export function createPrivateNetwork(name: string, args: PrivateNetworkArgs): PrivateNetwork {
  const { network: settings, names, resourceGroupName, location, tags, parent } = args;
  const opts = { parent };
  let virtualNetwork: network.VirtualNetwork | undefined;
  let endpointSubnetId: pulumi.Output<string>;
  let aksSubnetId: pulumi.Output<string>;
  let networkIds: pulumi.Output<string>[];
  if (settings.subnets.kind === "new") {
    const { subnets } = settings;
    virtualNetwork = new network.VirtualNetwork(
      `${name}-virtual-network`,
      { virtualNetworkName: names.virtualNetwork, resourceGroupName, location, tags, addressSpace: { addressPrefixes: [subnets.addressSpace] } },
      opts,
    );
    const endpointSubnet = new network.Subnet(
      `${name}-private-endpoint-subnet`,
      {
        subnetName: "snet-private-endpoints",
        virtualNetworkName: virtualNetwork.name,
        resourceGroupName,
        addressPrefix: subnets.privateEndpointSubnet,
        privateEndpointNetworkPolicies: "Disabled",
      },
      opts,
    );
    // One at a time: Azure refuses concurrent changes to the subnets of one network.
    const aksSubnet = new network.Subnet(
      `${name}-aks-subnet`,
      { subnetName: "snet-aks", virtualNetworkName: virtualNetwork.name, resourceGroupName, addressPrefix: subnets.aksSubnet },
      { parent, dependsOn: [endpointSubnet] },
    );
    endpointSubnetId = endpointSubnet.id;
    aksSubnetId = aksSubnet.id;
    networkIds = [virtualNetwork.id];
  } else {
    const { subnets } = settings;
    endpointSubnetId = pulumi.output(subnets.privateEndpointSubnetId);
    aksSubnetId = pulumi.output(subnets.aksSubnetId);
    const ids = [...new Set([subnets.privateEndpointSubnetId, subnets.aksSubnetId].map(virtualNetworkOf))];
    networkIds = ids.map((id) => pulumi.output(id));
  }

  const privateDnsZones: privatedns.PrivateZone[] = [];
  const zoneIds = new Map<string, pulumi.Input<string>>();
  for (const zone of new Set(Object.values(PRIVATE_LINK_TARGETS).flatMap((target) => target.zones))) {
    if (settings.privateDnsZonesResourceGroupId !== undefined) {
      zoneIds.set(zone, `${settings.privateDnsZonesResourceGroupId}/providers/Microsoft.Network/privateDnsZones/${zone}`);
      continue;
    }
    const key = zone.replace(/^privatelink\./, "").replace(/\./g, "-");
    const privateZone = new privatedns.PrivateZone(`${name}-dns-${key}`, { privateZoneName: zone, resourceGroupName, location: "global", tags }, opts);
    networkIds.forEach(
      (virtualNetworkId, index) =>
        new privatedns.VirtualNetworkLink(
          `${name}-dns-${key}-link${index === 0 ? "" : `-${index}`}`,
          {
            privateZoneName: privateZone.name,
            resourceGroupName,
            virtualNetworkLinkName: `${names.virtualNetwork}${index === 0 ? "" : `-${index}`}`,
            location: "global",
            registrationEnabled: false,
            virtualNetwork: { id: virtualNetworkId },
            tags,
          },
          opts,
        ),
    );
    privateDnsZones.push(privateZone);
    zoneIds.set(zone, privateZone.id);
  }

  const connectTo: Record<PrivateLinkTarget, pulumi.Input<string>> = {
    workspace: args.targets.workspace,
    blob: args.targets.storage,
    file: args.targets.storage,
    vault: args.targets.keyVault,
    registry: args.targets.registry,
  };
  const privateEndpoints = (Object.keys(PRIVATE_LINK_TARGETS) as PrivateLinkTarget[]).map((target) => {
    const { groupId, zones } = PRIVATE_LINK_TARGETS[target];
    const endpointName = `pe-${names.mlWorkspace}-${target}`;
    const endpoint = new network.PrivateEndpoint(
      `${name}-private-endpoint-${target}`,
      {
        privateEndpointName: endpointName,
        resourceGroupName,
        location,
        tags,
        subnet: { id: endpointSubnetId },
        privateLinkServiceConnections: [{ name: endpointName, privateLinkServiceId: connectTo[target], groupIds: [groupId] }],
      },
      opts,
    );
    new network.PrivateDnsZoneGroup(
      `${name}-private-endpoint-${target}-dns`,
      {
        privateDnsZoneGroupName: "default",
        privateEndpointName: endpointName,
        resourceGroupName,
        privateDnsZoneConfigs: zones.map((zone) => ({ name: zone.replace(/\./g, "-"), privateDnsZoneId: zoneIds.get(zone) ?? "" })),
      },
      { parent, dependsOn: [endpoint] },
    );
    return endpoint;
  });
  return { ...(virtualNetwork ? { virtualNetwork } : {}), aksSubnetId, privateEndpoints, privateDnsZones };
}
