import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from "yaml";
import { PlanConfigError } from "./planErrors";

/** A Pulumi project as the CLI sees it: `Pulumi.yaml` and the program's entry point. */
export interface PulumiProject {
  /** absolute project directory (where `Pulumi.yaml` is) */
  dir: string;
  name: string;
  runtime: string;
  description?: string;
  /** absolute directory holding the stack files (`stackConfigDir`, else the project directory) */
  stackConfigDir: string;
  /** absolute path of the program's entry point */
  entryPoint: string;
  /** project-level config declarations from `Pulumi.yaml` (`config:`), by fully qualified key */
  declaredConfig: Record<string, DeclaredConfig>;
}

export interface DeclaredConfig {
  type?: string;
  /** default (or fixed `value`) as the CLI would pass it, if any */
  defaultValue?: string;
  secret?: boolean;
}

/** A stack's configuration, as the CLI passes it to the program. */
export interface StackConfig {
  stack: string;
  /** absolute path of `Pulumi.<stack>.yaml` */
  file: string;
  /** fully qualified keys (`namespace:key`); strings, with objects and arrays as JSON */
  config: Record<string, string>;
  /** keys whose values are secret (`secure:` values, at the top level or nested) */
  secretKeys: string[];
}

const SECURE_PLACEHOLDER_PREFIX = "secure-placeholder-";

/** The placeholder a `secure:` value becomes: no secret can be decrypted without the Pulumi CLI. */
export function securePlaceholder(key: string, nestedPath: string[] = []): string {
  return `${SECURE_PLACEHOLDER_PREFIX}${[key, ...nestedPath].join(".")}`;
}

/** Reads `<dir>/Pulumi.yaml` (or `Pulumi.yml`) and resolves the entry point. */
export function readPulumiProject(dir: string): PulumiProject {
  const projectDir = path.resolve(dir);
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((name) => path.join(projectDir, name)).find((f) => existsSync(f));
  if (!file) throw new PlanConfigError(`no Pulumi.yaml in ${projectDir}: --cwd must name a Pulumi project directory`);
  const document = parseYaml(file);
  if (!isPlainObject(document)) throw new PlanConfigError(`${file}: expected a mapping at the top level`);

  const name = document.name;
  if (typeof name !== "string" || name.trim() === "") throw new PlanConfigError(`${file}: 'name' is required`);
  const runtime = runtimeName(document.runtime);
  if (runtime !== "nodejs") {
    throw new PlanConfigError(
      `${file}: runtime '${runtime ?? "(none)"}' is not supported; the offline plan runs nodejs (TypeScript or JavaScript) programs only`,
    );
  }
  refuseRuntimeOptionsNotHonoured(document.runtime, file);
  const stackConfigDir =
    typeof document.stackConfigDir === "string" ? path.resolve(projectDir, document.stackConfigDir) : projectDir;
  const main = typeof document.main === "string" ? document.main : undefined;
  return {
    dir: projectDir,
    name,
    runtime,
    ...(typeof document.description === "string" ? { description: document.description } : {}),
    stackConfigDir,
    entryPoint: resolveEntryPoint(projectDir, main, file),
    declaredConfig: readDeclaredConfig(document.config, name, file),
  };
}

/** Reads `<stackConfigDir>/Pulumi.<stack>.yaml` as the CLI reads it. */
export function readStackConfig(project: PulumiProject, stack: string): StackConfig {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
    throw new PlanConfigError(`invalid stack name '${stack}': use letters, digits, '-', '_' and '.'`);
  }
  const candidates = [`Pulumi.${stack}.yaml`, `Pulumi.${stack}.yml`].map((f) => path.join(project.stackConfigDir, f));
  const file = candidates.find((f) => existsSync(f));
  if (!file) {
    throw new PlanConfigError(
      `no stack file for stack '${stack}': expected ${path.relative(process.cwd(), candidates[0]!) || candidates[0]}`,
    );
  }
  const doc = parseDocument(readFileSync(file, "utf8"), { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new PlanConfigError(`${file}: ${doc.errors[0]!.message}`);

  const config: Record<string, string> = {};
  const secretKeys = new Set<string>();
  const root = doc.contents;
  if (root !== null && !isMap(root)) throw new PlanConfigError(`${file}: expected a mapping at the top level`);
  if (root && isMap(root)) {
    // values the program would read under the CLI and not here: a plan of another program
    if (importsEnvironments(root.get("environment", true))) {
      throw new PlanConfigError(
        `${file}: imports ESC environments ('environment'), which the offline plan cannot open, so the program would run without their values; put the values it needs in 'config' of a stack file for the plan, or check this stack with 'pulumi preview' and the policy pack`,
      );
    }
    const configNode = root.get("config", true) as YamlNode | undefined;
    if (configNode !== undefined && configNode !== null && !(isScalar(configNode) && configNode.value === null)) {
      if (!isMap(configNode)) throw new PlanConfigError(`${file}: 'config' must be a mapping`);
      for (const pair of configNode.items) {
        const rawKey = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const key = qualifyKey(rawKey, project.name);
        const value = configValue(pair.value as YamlNode | null, key, file);
        config[key] = value.text;
        if (value.secret) secretKeys.add(key);
      }
    }
  }

  for (const [key, declared] of Object.entries(project.declaredConfig)) {
    if (config[key] === undefined) {
      if (declared.defaultValue !== undefined) config[key] = declared.defaultValue;
      else if (key.startsWith(`${project.name}:`) && declared.type !== undefined) {
        throw new PlanConfigError(`stack '${stack}' is missing configuration value '${key}' (declared in Pulumi.yaml)`);
      }
    }
    const value = config[key];
    if (value !== undefined && declared.type) checkDeclaredType(key, declared.type, value, file);
  }

  return { stack, file, config, secretKeys: [...secretKeys].sort() };
}

/**
 * What must never be printed from secret config: each secret value as the program sees it and,
 * for objects with nested `secure:` values, each substituted part (the other parts of such an
 * object are plaintext in the committed stack file).
 */
export function secretConfigValues(stackConfig: StackConfig): string[] {
  const values: string[] = [];
  for (const key of stackConfig.secretKeys) {
    const value = stackConfig.config[key];
    if (value === undefined) continue;
    values.push(value);
    for (const match of value.matchAll(/"(secure-placeholder-(?:[^"\\]|\\.)*)"/g)) values.push(JSON.parse(`"${match[1]}"`) as string);
  }
  return values;
}

function parseYaml(file: string): unknown {
  const doc = parseDocument(readFileSync(file, "utf8"), { prettyErrors: true });
  if (doc.errors.length > 0) throw new PlanConfigError(`${file}: ${doc.errors[0]!.message}`);
  return doc.toJS();
}

/**
 * Runtime options that change how the CLI's Node.js host runs the program (node's own arguments, a
 * tsconfig.json other than the project's): the plan would run another program than `pulumi up`, so
 * it refuses them rather than pass a program it did not see.
 */
function refuseRuntimeOptionsNotHonoured(runtime: unknown, file: string): void {
  const options = isPlainObject(runtime) && isPlainObject(runtime.options) ? runtime.options : {};
  for (const option of ["nodeargs", "tsconfig"]) {
    const value = options[option];
    if (value !== undefined && value !== null && value !== "") {
      throw new PlanConfigError(
        `${file}: runtime option '${option}' is not supported by the offline plan, which would run the program otherwise than the CLI does; remove it to plan this project, or check it with 'pulumi preview' and the policy pack`,
      );
    }
  }
}

function runtimeName(runtime: unknown): string | undefined {
  if (typeof runtime === "string") return runtime;
  if (isPlainObject(runtime) && typeof runtime.name === "string") return runtime.name;
  return undefined;
}

function qualifyKey(key: string, projectName: string): string {
  return key.includes(":") ? key : `${projectName}:${key}`;
}

interface ConfigValueText {
  text: string;
  secret: boolean;
}

/**
 * One `config:` value as the CLI passes it: scalars in their source form (`1.0` stays `1.0`),
 * `{secure: ...}` as a secret placeholder, objects and arrays as JSON with nested secure values
 * replaced in place (the whole key is then secret).
 */
function configValue(node: YamlNode | null, key: string, file: string): ConfigValueText {
  if (node === null || node === undefined) return { text: "", secret: false };
  if (isScalar(node)) {
    if (node.value === null) return { text: "", secret: false };
    if (typeof node.value === "string") return { text: node.value, secret: false };
    return { text: typeof node.source === "string" ? node.source : String(node.value), secret: false };
  }
  if (isSecureNode(node)) return { text: securePlaceholder(key), secret: true };
  if (isMap(node) || isSeq(node)) {
    let secret = false;
    const substitute = (value: YamlNode | null, nestedPath: string[]): unknown => {
      if (value === null || value === undefined) return null;
      if (isSecureNode(value)) {
        secret = true;
        return securePlaceholder(key, nestedPath);
      }
      if (isMap(value)) {
        const out: Record<string, unknown> = {};
        const keyOf = (pair: (typeof value.items)[number]): string => (isScalar(pair.key) ? String(pair.key.value) : String(pair.key));
        // in the order the CLI sends an object's keys: Go's JSON encoding sorts them, by their bytes
        const pairs = [...value.items].sort((a, b) => Buffer.compare(Buffer.from(keyOf(a)), Buffer.from(keyOf(b))));
        for (const pair of pairs) {
          const k = keyOf(pair);
          // an own property even for "__proto__", as the CLI passes it: the program, not this reader, refuses such keys
          Object.defineProperty(out, k, { value: substitute(pair.value as YamlNode | null, [...nestedPath, k]), enumerable: true, writable: true, configurable: true });
        }
        return out;
      }
      if (isSeq(value)) return value.items.map((item, i) => substitute(item as YamlNode | null, [...nestedPath, String(i)]));
      if (isScalar(value)) return value.value;
      throw new PlanConfigError(`${file}: unsupported value for '${key}'`);
    };
    return { text: JSON.stringify(substitute(node, [])), secret };
  }
  throw new PlanConfigError(`${file}: unsupported value for '${key}'`);
}

/** Whether a stack file's `environment` imports anything: a non-empty list or mapping, or a name. */
function importsEnvironments(node: unknown): boolean {
  if (node === undefined || node === null) return false;
  if (isSeq(node) || isMap(node)) return node.items.length > 0;
  if (isScalar(node)) return node.value !== null && node.value !== "";
  return true;
}

function isSecureNode(node: YamlNode): boolean {
  if (!isMap(node) || node.items.length !== 1) return false;
  const pair = node.items[0]!;
  return isScalar(pair.key) && pair.key.value === "secure" && isScalar(pair.value) && typeof pair.value.value === "string";
}

function readDeclaredConfig(config: unknown, projectName: string, file: string): Record<string, DeclaredConfig> {
  if (config === undefined || config === null) return {};
  if (!isPlainObject(config)) throw new PlanConfigError(`${file}: 'config' must be a mapping`);
  const declared: Record<string, DeclaredConfig> = {};
  for (const [rawKey, spec] of Object.entries(config)) {
    const key = qualifyKey(rawKey, projectName);
    if (isPlainObject(spec) && ("type" in spec || "default" in spec || "value" in spec || "description" in spec || "secret" in spec)) {
      const fixed = "value" in spec ? spec.value : spec.default;
      declared[key] = {
        ...(typeof spec.type === "string" ? { type: spec.type } : {}),
        ...(fixed !== undefined ? { defaultValue: plainConfigText(fixed) } : {}),
        ...(spec.secret === true ? { secret: true } : {}),
      };
    } else {
      declared[key] = { defaultValue: plainConfigText(spec) };
    }
  }
  return declared;
}

function plainConfigText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function checkDeclaredType(key: string, type: string, value: string, file: string): void {
  const fail = (): never => {
    throw new PlanConfigError(`${file}: configuration value '${key}' must be of type ${type}, got '${value}'`);
  };
  if (type === "integer" && !/^-?\d+$/.test(value)) fail();
  if (type === "boolean" && value !== "true" && value !== "false") fail();
  if (type === "array") {
    try {
      if (!Array.isArray(JSON.parse(value))) fail();
    } catch {
      fail();
    }
  }
}

/** `main` from Pulumi.yaml (file or directory), else package.json `main`, else `index.ts` / `index.js`. */
function resolveEntryPoint(projectDir: string, main: string | undefined, projectFile: string): string {
  if (main !== undefined) {
    const target = path.resolve(projectDir, main);
    const resolved = resolveModulePath(target);
    if (!resolved) throw new PlanConfigError(`${projectFile}: main '${main}' does not exist`);
    return resolved;
  }
  const resolved = manifestEntryPoint(projectDir) ?? resolveDirectory(projectDir);
  if (!resolved) {
    throw new PlanConfigError(
      `no entry point in ${projectDir}: set 'main' in Pulumi.yaml or package.json, or add index.ts / index.js`,
    );
  }
  return resolved;
}

/** Package manifests as the SDK reads them, in its order of preference (@pulumi/pulumi runtime/manifest.js). */
const PACKAGE_MANIFESTS = ["package.json", "package.yaml"];

/**
 * The entry point the CLI's Node.js host takes when Pulumi.yaml names none (@pulumi/pulumi
 * cmd/run/run.js): the nearest package manifest from the project directory up, maybe a monorepo's,
 * names it by `exports` (a string, or `"."`: itself, or its `default`, `require` or `import`), else by
 * `main`, relative to the manifest's directory, when that path exists as written. Undefined leaves
 * the project directory to Node.js's resolution, as the host does.
 */
function manifestEntryPoint(projectDir: string): string | undefined {
  for (let dir = projectDir; ; dir = path.dirname(dir)) {
    const name = PACKAGE_MANIFESTS.find((candidate) => existsSync(path.join(dir, candidate)));
    if (name) {
      const entry = declaredEntry(readManifest(path.join(dir, name)));
      if (entry === undefined) return undefined;
      const target = path.join(dir, entry);
      if (!existsSync(target)) return undefined;
      return statSync(target).isDirectory() ? resolveDirectory(target) : target;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * A manifest's content, or nothing for one that does not parse, as the host reads it: JSON, or YAML
 * by the SDK's own js-yaml (runtime/manifest.js), whose errors and merge keys are not the yaml
 * package's.
 */
function readManifest(file: string): Record<string, unknown> {
  try {
    const text = readFileSync(file, "utf8");
    const data: unknown = file.endsWith(".json") ? JSON.parse(text) : (sdkYaml().load(text) ?? {});
    return isPlainObject(data) ? data : {};
  } catch {
    return {};
  }
}

function sdkYaml(): { load(text: string): unknown } {
  const sdk = require.resolve("@pulumi/pulumi");
  return require(require.resolve("js-yaml", { paths: [path.dirname(sdk)] })) as { load(text: string): unknown };
}

function declaredEntry(manifest: Record<string, unknown>): string | undefined {
  const { exports, main } = manifest;
  if (typeof exports === "string") return exports;
  if (typeof exports === "object") {
    const root = isPlainObject(exports) ? exports["."] : undefined;
    if (typeof root === "string") return root;
    if (isPlainObject(root)) {
      const conditional = root.default || root.require || root.import;
      return typeof conditional === "string" ? conditional : undefined;
    }
    return undefined;
  }
  return typeof main === "string" && main !== "" ? main : undefined;
}

/**
 * The extensions Node.js tries, in its order, under the CLI's host: its own `.js` first, then the
 * `.ts` ts-node registers (@pulumi/pulumi cmd/run/run.js requires the program as a path).
 */
const MODULE_EXTENSIONS = [".js", ".ts"];

function resolveModulePath(target: string): string | undefined {
  if (existsSync(target) && statSync(target).isDirectory()) return resolveDirectory(target);
  if (existsSync(target)) return target;
  return MODULE_EXTENSIONS.map((ext) => target + ext).find((candidate) => existsSync(candidate));
}

function resolveDirectory(dir: string): string | undefined {
  // Node.js's own resolution of a directory: its package.json `main` (an unreadable one is none), then index
  const { main } = readManifest(path.join(dir, "package.json"));
  if (typeof main === "string") {
    const target = path.resolve(dir, main);
    const resolved = existsSync(target) && statSync(target).isDirectory() ? undefined : resolveModulePath(target);
    if (resolved) return resolved;
  }
  return MODULE_EXTENSIONS.map((ext) => path.join(dir, `index${ext}`)).find((f) => existsSync(f));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
