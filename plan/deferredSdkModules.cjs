"use strict";
// `@pulumi/pulumi` loads, when it loads, two things only closure serialization
// (`pulumi.runtime.serializeFunction`, `computeCodePaths`) uses: the whole TypeScript compiler (its
// `typescript-shim`, about 150 ms) and npm's Arborist with its dependencies (`closure/codePaths`,
// about 120 ms); and the Automation API (`pulumi.automation`, with execa, js-yaml and more, about
// 20 ms), which drives the Pulumi CLI. Neither the plan, a program under the plan nor a policy pack
// uses them in the usual case, yet every process paid for all three. Here they load on first use
// instead, as the SDK would load them; what uses them sees the same modules.
const Module = require("node:module");
const path = require("node:path");

const SDK = `${path.sep}@pulumi${path.sep}pulumi${path.sep}`;
const TYPESCRIPT_SHIM = `${SDK}typescript-shim.js`;
const CODE_PATHS = `${SDK}runtime${path.sep}closure${path.sep}codePaths.js`;
const AUTOMATION = `${SDK}automation${path.sep}index.js`;

/** As `typescript-shim.js`: the project's TypeScript, else the SDK's vendored one. */
function loadTypeScriptAsTheShim(/** @type {string} */ shim) {
  const shimRequire = Module.createRequire(shim);
  try {
    return shimRequire("typescript");
  } catch {
    return shimRequire(path.join(path.dirname(shim), "vendor", "typescript@3.8.3", "typescript.js"));
  }
}

/**
 * Exports that load the real module on first use. `functions` are exports known to be functions that
 * the SDK copies when it loads (`exports.f = module_1.f`): they are wrappers that load and call.
 * `esModule`: the real module is compiled from an ES module, which TypeScript's `__importStar` asks
 * (`__esModule`) when the SDK imports it; the answer must not load it.
 * @param {() => Record<string | symbol, unknown>} loadReal
 * @param {string[]} functions
 * @param {{ esModule?: boolean }} options
 */
function deferredExports(loadReal, functions = [], { esModule = false } = {}) {
  /** @type {Record<string | symbol, unknown> | undefined} */
  let real;
  const load = () => (real ??= loadReal());
  const wrappers = new Map(
    functions.map((name) => [
      name,
      /** @type {(...args: unknown[]) => unknown} */
      function (...args) {
        return /** @type {(...args: unknown[]) => unknown} */ (load()[name]).apply(this, args);
      },
    ]),
  );
  return new Proxy(
    {},
    {
      get: (_, key) => {
        if (real === undefined && esModule && key === "__esModule") return true;
        return real === undefined && typeof key === "string" && wrappers.has(key) ? wrappers.get(key) : load()[key];
      },
      has: (_, key) => key in load(),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Object.getOwnPropertyDescriptor(load(), key);
        return descriptor ? { ...descriptor, configurable: true } : undefined;
      },
    },
  );
}

/** Compiles `filename` as a module of its own, with the loader that was current when deferring began. */
function loadModuleNow(/** @type {typeof Module.prototype} */ deferred, /** @type {string} */ filename, /** @type {Function} */ loadJavaScript) {
  const real = new Module(filename, deferred.parent ?? undefined);
  real.filename = filename;
  real.paths = Module._nodeModulePaths(path.dirname(filename));
  loadJavaScript.call(Module._extensions, real, filename);
  real.loaded = true;
  return real.exports;
}

/** Wraps the current `.js` loader so that the SDK's closure-serialization modules and Automation API load lazily. */
function deferUnusedSdkModules() {
  const loadJavaScript = Module._extensions[".js"];
  Module._extensions[".js"] = function loadDeferringUnusedSdkModules(module, filename) {
    if (filename.endsWith(TYPESCRIPT_SHIM)) {
      module.exports = deferredExports(() => loadTypeScriptAsTheShim(filename));
      return;
    }
    if (filename.endsWith(AUTOMATION)) {
      module.exports = deferredExports(() => loadModuleNow(module, filename, loadJavaScript), [], { esModule: true });
      return;
    }
    if (filename.endsWith(CODE_PATHS)) {
      module.exports = deferredExports(() => loadModuleNow(module, filename, loadJavaScript), ["computeCodePaths"]);
      return;
    }
    return loadJavaScript.call(this, module, filename);
  };
}

module.exports = { deferUnusedSdkModules };
