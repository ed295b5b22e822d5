// Shared metadata: Microsoft Learn pages and the Azure Policy built-ins the hygiene rules mirror.

export const LEARN = {
  v1WebServiceAuth: "https://learn.microsoft.com/azure/machine-learning/v1/how-to-authenticate-web-service",
  onlineEndpointAuth: "https://learn.microsoft.com/azure/machine-learning/how-to-authenticate-online-endpoint",
  kubernetesEndpointTls: "https://learn.microsoft.com/azure/machine-learning/how-to-secure-kubernetes-online-endpoint",
  workspacePrivateLink: "https://learn.microsoft.com/azure/machine-learning/how-to-configure-private-link",
  v1LegacyMode: "https://learn.microsoft.com/azure/machine-learning/how-to-configure-network-isolation-with-v2",
  computeLocalAuth: "https://learn.microsoft.com/azure/machine-learning/how-to-integrate-azure-policy",
  storageAnonymousAccess: "https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-prevent",
  registryAdminAccount: "https://learn.microsoft.com/azure/container-registry/container-registry-authentication#admin-account",
  keyVaultPurgeProtection: "https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview",
} as const;

export interface AzurePolicyBuiltIn {
  /** The built-in's definition name, a GUID: /providers/Microsoft.Authorization/policyDefinitions/<id>. */
  readonly id: string;
  readonly displayName: string;
}

/** Built-ins checked against Azure/azure-policy's built-in-policies definitions. */
export const AZURE_POLICY_BUILT_INS = {
  workspacePublicNetworkDisabled: {
    id: "438c38d2-3772-465a-a9cc-7a6666a275ce",
    displayName: "Azure Machine Learning workspaces should disable public network access",
  },
  computeLocalAuthDisabled: {
    id: "e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f",
    displayName: "Machine Learning computes should have local authentication methods disabled",
  },
  storagePublicAccessDisallowed: {
    id: "4fa4b6c0-31ca-4c0d-b10d-24b96f62a751",
    displayName: "Storage account public access should be disallowed",
  },
  registryAdminAccountDisabled: {
    id: "dc921057-6b28-4fbe-9b83-f7bec05db6c2",
    displayName: "Container registries should have local admin account disabled",
  },
  keyVaultDeletionProtection: {
    id: "0b60c0b2-2dc2-4e1c-b5c9-abbed971de53",
    displayName: "Key vaults should have deletion protection enabled",
  },
  /** The opposite of ml-workspace-no-v1-legacy-mode: it audits workspaces that do NOT enable v1LegacyMode. */
  workspaceEnableV1LegacyMode: {
    id: "e413671a-dd10-4cc1-a943-45b598596cb7",
    displayName: "Azure Machine Learning workspaces should enable V1LegacyMode to support network isolation backward compatibility",
  },
} as const satisfies Record<string, AzurePolicyBuiltIn>;

/** Tag that names the built-in a rule mirrors, so tooling can map results to Azure Policy. */
export function mirrorsTag(builtIn: AzurePolicyBuiltIn): string {
  return `azure-policy:${builtIn.id}`;
}

/** Sentence for a hygiene rule's description. */
export function mirrorsSentence(builtIn: AzurePolicyBuiltIn): string {
  return `Mirrors Azure Policy built-in "${builtIn.displayName}" (${builtIn.id}).`;
}
