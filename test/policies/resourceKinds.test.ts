import { describe, expect, it } from "vitest";
import { resourceKindOf } from "../../policies/lib/resourceKinds";

describe("type token recognition", () => {
  it.each([
    ["azure-native:machinelearningservices/v20210401:ACIService", "v1AciService"],
    ["azure-native:machinelearningservices/v20210401:AKSService", "v1AksService"],
    ["azure-native:machinelearningservices:ACIService", "v1AciService"],
    ["azure-native:machinelearningservices/v20200515preview:AKSService", "v1AksService"],
    ["azure-native_machinelearningservices_v20210401:machinelearningservices/v20210401:AKSService", "v1AksService"],
    ["azure-nextgen:machinelearningservices/v20210101:AKSService", "v1AksService"],
    ["azure-native:machinelearningservices/v20200901preview:MachineLearningService", "v1GenericService"],
    ["azure-native:machinelearningservices:OnlineEndpoint", "onlineEndpoint"],
    ["azure-native:machinelearningservices/v20240401:OnlineEndpoint", "onlineEndpoint"],
    ["azure-native:machinelearningservices:Compute", "mlCompute"],
    ["azure-native:machinelearningservices/v20210401:MachineLearningCompute", "mlCompute"],
    ["azure-native:machinelearningservices:Workspace", "mlWorkspace"],
    ["azure-native:kubernetesconfiguration:Extension", "clusterExtension"],
    ["azure-native:containerservice:ManagedCluster", "managedCluster"],
    ["azure-native:storage:StorageAccount", "storageAccount"],
    ["azure-native:containerregistry:Registry", "containerRegistry"],
    ["azure-native:keyvault:Vault", "keyVault"],
    ["azure-native:resources:Deployment", "templateDeployment"],
    ["azure-native:resources/v20240301:DeploymentAtScope", "templateDeployment"],
    ["azure-native:resources:DeploymentStackAtSubscription", "deploymentStack"],
    ["azure-native:resources:Resource", "genericResource"],
    ["azure-native:resources:ResourceGroup", "resourceGroup"],
  ])("recognises %s", (type, kind) => {
    expect(resourceKindOf(type)).toBe(kind);
  });

  it.each([
    "azure-native:operationalinsights:Workspace",
    "azure-native:machinelearningservices:OnlineDeployment",
    "azure:machinelearning/workspace:Workspace",
    "azure-native:machinelearningservices:ACIServiceX",
    "my-azure-native:machinelearningservices:AKSService",
    "azure-native:machinelearningservices:aksservice",
    "aml-webservices:index:AmlEndpoint",
    "azure-native:resources:DeploymentScript",
  ])("ignores %s", (type) => {
    expect(resourceKindOf(type)).toBeUndefined();
  });
});
