import { regionShortCode, type AzureRegion } from "./azureRegions";

/** One of Azure's naming rules, stated the way the error message quotes it. */
export interface NamingRule {
  readonly resource: string;
  readonly pattern: RegExp;
  readonly rule: string;
}

export const NAMING_RULES = {
  resourceGroup: { resource: "resource group", pattern: /^[-\w.()]{1,89}[-\w()]$/, rule: "1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'" },
  storageAccount: { resource: "storage account", pattern: /^[a-z0-9]{3,24}$/, rule: "3-24 lowercase letters or digits, globally unique" },
  keyVault: { resource: "key vault", pattern: /^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/, rule: "3-24 letters, digits or single hyphens, starting with a letter, globally unique" },
  containerRegistry: { resource: "container registry", pattern: /^[a-zA-Z0-9]{5,50}$/, rule: "5-50 letters or digits only, globally unique" },
  logAnalytics: { resource: "Log Analytics workspace", pattern: /^[a-zA-Z0-9][a-zA-Z0-9-]{2,61}[a-zA-Z0-9]$/, rule: "4-63 letters, digits or hyphens, starting and ending with a letter or digit" },
  applicationInsights: { resource: "Application Insights component", pattern: /^[^%&\\?/]{1,260}$/, rule: "1-260 characters without %, &, \\, ? or /" },
  mlWorkspace: { resource: "Azure ML workspace", pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/, rule: "3-33 letters, digits, '-' or '_', starting with a letter or digit" },
  aksCluster: { resource: "AKS cluster", pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,61}[a-zA-Z0-9]$/, rule: "1-63 letters, digits, '-' or '_', starting and ending with a letter or digit" },
  compute: { resource: "Azure ML compute", pattern: /^[a-zA-Z][a-zA-Z0-9-]{1,14}[a-zA-Z0-9]$/, rule: "2-16 letters, digits or hyphens, starting with a letter" },
  onlineEndpoint: { resource: "online endpoint", pattern: /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/, rule: "3-32 letters, digits or hyphens, starting with a letter and ending with a letter or digit; unique in its Azure region" },
  onlineDeployment: { resource: "online deployment", pattern: /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/, rule: "3-32 letters, digits or hyphens, starting with a letter" },
  virtualNetwork: { resource: "virtual network", pattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9_]$/, rule: "2-64 letters, digits, '_', '.' or '-', starting with a letter or digit and ending with a letter, digit or '_'" },
  kubernetesNamespace: { resource: "Kubernetes namespace", pattern: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, rule: "a DNS label: 1-63 lowercase letters, digits or hyphens" },
} as const satisfies Record<string, NamingRule>;

export type NamedResource = keyof typeof NAMING_RULES;

/** The problem with `name` under `rule`, or undefined when it complies. */
export function namingProblem(kind: NamedResource, name: string): string | undefined {
  const rule: NamingRule = NAMING_RULES[kind];
  if (rule.pattern.test(name)) return undefined;
  return `${rule.resource} name "${name}" (${name.length} characters) breaks Azure's naming rule: ${rule.rule}`;
}

export interface PlatformNames {
  readonly resourceGroup: string;
  readonly storageAccount: string;
  readonly keyVault: string;
  readonly containerRegistry: string;
  readonly logAnalytics: string;
  readonly applicationInsights: string;
  readonly mlWorkspace: string;
  readonly aksCluster: string;
  readonly compute: string;
  readonly kubernetesNamespace: string;
  readonly virtualNetwork: string;
}

/** The names the cluster and service components use: those of a workspace another team owns too. */
export type ServiceNames = Pick<PlatformNames, "resourceGroup" | "mlWorkspace" | "aksCluster" | "compute" | "kubernetesNamespace">;

/**
 * The platform's resource names, fixed by environment and region so that every run of a stack
 * names the same resources. `globalSuffix` tells apart globally unique names between tenants.
 */
export function platformNames(environment: string, region: AzureRegion, globalSuffix = ""): PlatformNames {
  const short = regionShortCode(region);
  return {
    resourceGroup: `rg-aml-${environment}-${short}`,
    storageAccount: `staml${environment}${short}${globalSuffix}`,
    keyVault: `kv-aml-${environment}-${short}${globalSuffix ? `-${globalSuffix}` : ""}`,
    containerRegistry: `craml${environment}${short}${globalSuffix}`,
    logAnalytics: `log-aml-${environment}-${short}`,
    applicationInsights: `appi-aml-${environment}-${short}`,
    mlWorkspace: `mlw-${environment}-${short}`,
    aksCluster: `aks-aml-${environment}-${short}`,
    compute: `k8s-${environment}`,
    kubernetesNamespace: "azureml-inference",
    virtualNetwork: `vnet-aml-${environment}-${short}`,
  };
}

/** Problems with every platform name, each naming the rule it breaks. */
export function platformNamingProblems(names: PlatformNames): string[] {
  return (Object.keys(names) as (keyof PlatformNames)[])
    .map((kind) => namingProblem(kind, names[kind]))
    .filter((problem): problem is string => problem !== undefined);
}

/** Endpoint names share a DNS zone per region, so the environment is part of them. */
export function endpointName(serviceName: string, environment: string): string {
  return `${serviceName}-${environment}`;
}

export const DEPLOYMENT_NAME = "blue";
