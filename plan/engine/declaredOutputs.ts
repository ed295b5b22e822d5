import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { markUsed, writeCacheFile } from "../cacheFile.cjs";
import { planCacheDir } from "../planCacheDir.cjs";

/** Top-level properties every ARM resource has; used when a resource's SDK class cannot be found. */
const ARM_RESOURCE_OUTPUTS = ["name", "type", "location", "tags", "properties", "identity", "sku", "kind", "systemData"];
/** Files of output-only paths kept: one per installed copy of each provider package version. */
const PERSISTED_FILES_KEPT = 32;

const cache = new Map<string, string[]>();

/**
 * The output properties a resource's SDK class declares (`readonly x: pulumi.Output<...>` in its
 * `.d.ts`), found from its type token in the project's own packages: `azure-native:ml:Workspace` is
 * `@pulumi/azure-native/ml/workspace.d.ts`, `azuread:index/application:Application` is
 * `@pulumi/azuread/application.d.ts`.
 */
export function declaredOutputNames(type: string, projectDir: string): string[] {
  const key = `${projectDir}\0${type}`;
  let names = cache.get(key);
  if (!names) {
    names = readDeclaredOutputs(type, projectDir) ?? ARM_RESOURCE_OUTPUTS;
    cache.set(key, names);
  }
  return names;
}

function readDeclaredOutputs(type: string, projectDir: string): string[] | undefined {
  const [pkg, module, name] = type.split(":");
  if (!pkg || module === undefined || !name) return undefined;
  const modulePath = module
    .split("/")
    .filter((segment) => segment !== "index")
    .slice(0, pkg === "azuread" || pkg === "random" ? 0 : undefined);
  const fileName = `${name.charAt(0).toLowerCase()}${name.slice(1)}.d.ts`;
  try {
    const packageJson = createRequire(path.join(projectDir, "__plan__.js")).resolve(`@pulumi/${pkg}/package.json`);
    const text = readFileSync(path.join(path.dirname(packageJson), ...modulePath, fileName), "utf8");
    const names = [...text.matchAll(/^\s+readonly (\w+): pulumi\.Output</gm)].map((match) => match[1]!);
    return names.length > 0 ? names.filter((n) => n !== "urn" && n !== "id") : undefined;
  } catch {
    return undefined;
  }
}

type InterfaceIndex = Map<string, string[]>;
const interfaceIndexes = new Map<string, InterfaceIndex>();

/**
 * Nested properties the provider computes (`properties.scoringUri`): members of an output type
 * (`XResponse` in `types/output.d.ts`) that its input type (`XArgs` in `types/input.d.ts`) lacks.
 * A real preview shows them unknown; a program's `.apply` on them must not run offline either.
 */
export function nestedOutputOnlyPaths(type: string, projectDir: string): string[] {
  const key = `${projectDir}\0nested\0${type}`;
  let paths = cache.get(key);
  if (!paths) {
    const persisted = persistedPaths(type, projectDir);
    paths = persisted?.paths[type] ?? readNestedOutputOnly(type, projectDir);
    if (persisted && !persisted.paths[type]) {
      persisted.paths[type] = paths;
      persist(persisted);
    }
    cache.set(key, paths);
  }
  return paths;
}

interface PersistedPaths {
  file: string;
  paths: Record<string, string[]>;
}
const persistedByPackage = new Map<string, PersistedPaths | undefined>();

/**
 * The paths found so far for an SDK package install, kept across runs: reading a package's types
 * (megabytes of `.d.ts`) costs more than the rest of a small plan. Keyed by the package's name,
 * version and the size and time of its type files, so a changed install is read again.
 */
function persistedPaths(type: string, projectDir: string): PersistedPaths | undefined {
  const pkg = type.split(":")[0];
  if (!pkg) return undefined;
  let packageJson: string;
  try {
    packageJson = createRequire(path.join(projectDir, "__plan__.js")).resolve(`@pulumi/${pkg}/package.json`);
  } catch {
    return undefined;
  }
  if (persistedByPackage.has(packageJson)) return persistedByPackage.get(packageJson);
  let persisted: PersistedPaths | undefined;
  try {
    const packageDir = path.dirname(packageJson);
    const { version } = JSON.parse(readFileSync(packageJson, "utf8")) as { version?: string };
    const stamp = ["output.d.ts", "input.d.ts"].map((file) => {
      const stat = statSync(path.join(packageDir, "types", file));
      return `${stat.size}-${Math.trunc(stat.mtimeMs)}`;
    });
    const identity = createHash("sha256").update(`${packageDir}\0${version}\0${stamp.join("\0")}`).digest("hex").slice(0, 16);
    const file = path.join(planCacheDir(), "output-only-paths", `${pkg}@${version}-${identity}.json`);
    let paths: Record<string, string[]> = {};
    try {
      paths = JSON.parse(readFileSync(file, "utf8")) as Record<string, string[]>;
      markUsed(file);
    } catch {
      // not cached yet
    }
    persisted = { file, paths };
  } catch {
    persisted = undefined; // a package without generated types: nothing to keep
  }
  persistedByPackage.set(packageJson, persisted);
  return persisted;
}

function persist(persisted: PersistedPaths): void {
  try {
    writeCacheFile(persisted.file, JSON.stringify(persisted.paths), { keep: PERSISTED_FILES_KEPT });
  } catch {
    // a cache that cannot be written only costs the next run the reading
  }
}

function readNestedOutputOnly(type: string, projectDir: string): string[] {
  const [pkg, module, name] = type.split(":");
  if (!pkg || module === undefined || !name) return [];
  try {
    const packageDir = path.dirname(createRequire(path.join(projectDir, "__plan__.js")).resolve(`@pulumi/${pkg}/package.json`));
    const modulePath = module.split("/").filter((segment) => segment !== "index");
    const classText = readFileSync(path.join(packageDir, ...modulePath, `${name.charAt(0).toLowerCase()}${name.slice(1)}.d.ts`), "utf8");
    const outputs = interfaceIndex(path.join(packageDir, "types", "output.d.ts"));
    const inputs = interfaceIndex(path.join(packageDir, "types", "input.d.ts"));
    const paths: string[] = [];
    for (const match of classText.matchAll(/^\s+readonly (\w+): pulumi\.Output<([^>]*)>;/gm)) {
      const responses = [...match[2]!.matchAll(/outputs\.[\w.]+?\.(\w+Response)\b/g)].map((m) => m[1]!);
      if (responses.length === 0) continue;
      const inputMembers = new Set(responses.flatMap((response) => inputs.get(response.replace(/Response$/, "Args")) ?? []));
      const outputMembers = new Set(responses.flatMap((response) => outputs.get(response) ?? []));
      for (const member of outputMembers) if (!inputMembers.has(member)) paths.push(`${match[1]}.${member}`);
    }
    return paths;
  } catch {
    return [];
  }
}

/** Interface name → member names, for a generated `types/*.d.ts` (first declaration of a name wins). */
function interfaceIndex(file: string): InterfaceIndex {
  let index = interfaceIndexes.get(file);
  if (index) return index;
  index = new Map();
  const text = readFileSync(file, "utf8");
  for (const match of text.matchAll(/^( +)interface (\w+) \{\n([\s\S]*?)^\1\}/gm)) {
    if (index.has(match[2]!)) continue;
    const indent = `${match[1]!}    `;
    const members = [...match[3]!.matchAll(new RegExp(`^${indent}(\\w+)\\??:`, "gm"))].map((m) => m[1]!);
    index.set(match[2]!, members);
  }
  interfaceIndexes.set(file, index);
  return index;
}
