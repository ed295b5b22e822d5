import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import { Provider as AzureRmProvider } from "@pulumi/azure/provider";
import { Blob } from "@pulumi/azure/storage/blob";
import type { ServiceWorkspace } from "./serviceWorkspace";

/** A scoring script and the directory it lives in, uploaded as a code asset of the workspace. */
export interface ScoringCode {
  /** Directory with the scoring script and everything it imports; relative paths are from the working directory. */
  readonly directory: string;
  /** Path of the script inside `directory`, e.g. "score.py". */
  readonly scoringScript: string;
}

/** Caches and editor state that would change the hash without changing the code. */
const SKIPPED = new Set(["__pycache__", ".git", ".ipynb_checkpoints", ".DS_Store"]);

/** Files of the code directory, relative and sorted, so that the same code always gives the same list. */
export function codeFiles(directory: string): string[] {
  const files: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(directory, relative), { withFileTypes: true })) {
      if (SKIPPED.has(entry.name) || entry.name.endsWith(".pyc")) continue;
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  walk("");
  return files.sort();
}

/** A content hash of the code: the asset's version, so that changed code is a new, immutable version. */
export function codeHash(directory: string): string {
  const hash = createHash("sha256");
  for (const file of codeFiles(directory)) {
    hash.update(file).update("\0").update(createHash("sha256").update(fs.readFileSync(path.join(directory, file))).digest("hex")).update("\n");
  }
  return hash.digest("hex");
}

/** Why the code cannot be used, or undefined. */
export function scoringCodeProblem(code: ScoringCode): string | undefined {
  const directory = path.resolve(code.directory);
  if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) return `code.directory "${code.directory}" is not a directory`;
  if (path.isAbsolute(code.scoringScript) || code.scoringScript.split(/[\\/]/).includes("..")) {
    return `code.scoringScript "${code.scoringScript}" must be a path inside code.directory, such as "score.py"`;
  }
  if (!codeFiles(directory).includes(code.scoringScript.replace(/\\/g, "/"))) return `code.scoringScript "${code.scoringScript}" is not a file in code.directory "${code.directory}"`;
  return undefined;
}

/** Where a workspace keeps uploaded code: its default blob datastore. */
export interface CodeStorage {
  readonly storageAccountId: pulumi.Output<string>;
  readonly storageAccountName: string;
  /** The workspace's internal id, part of its default container's name. */
  readonly workspaceGuid: pulumi.Output<string>;
}

export interface CodeAsset {
  readonly codeVersion: machinelearningservices.CodeVersion;
  readonly blobs: readonly Blob[];
}

/**
 * Uploads the code to the workspace's default blob datastore, where Azure ML's own SDK puts it
 * (`azureml-blobstore-<workspace id>/LocalUpload/<hash>/<directory>`), and registers it as a code
 * version. The workspace storage refuses shared keys, and azure-native's Blob signs with them, so the
 * files go through the azurerm provider with `storageUseAzuread`: the deploying identity's Entra ID
 * token, which needs Storage Blob Data Contributor on the storage account.
 */
export function registerCodeAsset(name: string, codeName: string, code: ScoringCode, workspace: ServiceWorkspace, storage: CodeStorage, parent: pulumi.Resource): CodeAsset {
  const directory = path.resolve(code.directory);
  const hash = codeHash(directory);
  const folder = `LocalUpload/${hash}/${path.basename(directory)}`;
  const container = pulumi.interpolate`azureml-blobstore-${storage.workspaceGuid}`;
  const dataPlane = new AzureRmProvider(
    `${name}-storage-data-plane`,
    { storageUseAzuread: true, subscriptionId: workspace.subscriptionId, resourceProviderRegistrations: "none" },
    { parent },
  );
  const blobs = codeFiles(directory).map(
    (file) =>
      new Blob(
        `${name}-code-${createHash("sha256").update(file).digest("hex").slice(0, 12)}`,
        {
          name: `${folder}/${file}`,
          storageContainerId: pulumi.interpolate`${storage.storageAccountId}/blobServices/default/containers/${container}`,
          type: "Block",
          source: new pulumi.asset.FileAsset(path.join(directory, file)),
        },
        { parent, provider: dataPlane },
      ),
  );
  const codeVersion = new machinelearningservices.CodeVersion(
    `${name}-code`,
    {
      resourceGroupName: workspace.resourceGroupName,
      workspaceName: workspace.workspaceName,
      name: codeName,
      version: hash.slice(0, 16),
      properties: {
        codeUri: pulumi.interpolate`https://${storage.storageAccountName}.blob.core.windows.net/${container}/${folder}`,
        description: `Scoring code ${code.scoringScript}, sha256 ${hash}`,
      },
    },
    { parent, dependsOn: blobs },
  );
  return { codeVersion, blobs };
}
