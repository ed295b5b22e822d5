/** Value formats that both the stack config and the components check, in one place. */

/** 2-10 lowercase letters or digits: environments are part of every name. */
export const ENVIRONMENT = /^[a-z0-9]{2,10}$/;

/** An Entra object id. */
export const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The ARM id of an AKS cluster. */
export const AKS_CLUSTER_ID =
  /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[a-zA-Z0-9][\w-]{0,62}$/i;

/** A DNS host name such as scoring.contoso.com. */
export const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export const DEFAULT_AAD_AUTHORITY = "https://login.microsoftonline.com";

/** The ARM id of an Azure ML workspace. */
export const ML_WORKSPACE_ID =
  /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourceGroups\/([-\w.()]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([a-zA-Z0-9][\w-]{2,32})$/i;

/** The ARM id of a compute of an Azure ML workspace. */
export const ML_COMPUTE_ID =
  /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourceGroups\/([-\w.()]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([a-zA-Z0-9][\w-]{2,32})\/computes\/([a-zA-Z][a-zA-Z0-9-]{1,15})$/i;

/** The ARM id of a subnet. */
export const SUBNET_ID =
  /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]+\/providers\/Microsoft\.Network\/virtualNetworks\/[\w.-]{2,64}\/subnets\/[\w.-]{1,80}$/i;

/** The ARM id of a resource group. */
export const RESOURCE_GROUP_ID = /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]+$/i;

/** The ARM id of a storage account. */
export const STORAGE_ACCOUNT_ID = /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]+\/providers\/Microsoft\.Storage\/storageAccounts\/[a-z0-9]{3,24}$/i;
