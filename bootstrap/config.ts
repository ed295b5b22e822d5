import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const bootstrapConfigSchema = z
  .object({
    location: z.string().regex(/^[a-z0-9]+$/, "an Azure region name such as westeurope"),
    nameSuffix: z.string().regex(/^[a-z0-9]{3,8}$/, "3-8 lowercase letters or digits (storage account and key vault names are global)"),
    github: z
      .object({
        repository: z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, "<owner>/<repository>"),
        environments: z.array(z.string().regex(/^[A-Za-z0-9._-]+$/, "a GitHub environment name")).min(1),
      })
      .strict()
      .optional(),
    azureDevOps: z
      .object({
        organizationId: z.string().regex(GUID, "the organization's id (a GUID), the last part of the issuer https://vstoken.dev.azure.com/<id>"),
        organization: z.string().min(1),
        project: z.string().min(1),
        serviceConnection: z.string().min(1),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((config) => config.github !== undefined || config.azureDevOps !== undefined, {
    message: "configure github, azureDevOps or both: the deploy identity needs a federated credential to be usable",
  });

export type BootstrapConfig = z.infer<typeof bootstrapConfigSchema>;

const KEYS = ["location", "nameSuffix", "github", "azureDevOps"] as const;

/** Reads and validates the stack config; every problem at once, before any resource. */
export function loadBootstrapConfig(): BootstrapConfig {
  const config = new pulumi.Config();
  const raw: Record<string, unknown> = {};
  for (const key of KEYS) {
    const value = key === "github" || key === "azureDevOps" ? config.getObject<unknown>(key) : config.get(key);
    if (value !== undefined) raw[key] = value;
  }
  const parsed = bootstrapConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join(".") || "(config)"}: ${issue.message}`);
    throw new pulumi.RunError(`Invalid bootstrap configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.join("\n")}`);
  }
  return parsed.data;
}
