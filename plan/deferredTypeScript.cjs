"use strict";
// `@pulumi/pulumi` loads the whole TypeScript compiler (its `typescript-shim`) when it loads, for
// closure serialization (`pulumi.runtime.serializeFunction`), which neither the plan, a program
// under the plan nor a policy pack calls in the usual case: about 150 ms of compiling for every
// process. Here the shim's exports load TypeScript on first use instead, the same way the shim
// does; what uses it sees the same module.
const Module = require("node:module");
const path = require("node:path");

const SHIM = `${path.sep}@pulumi${path.sep}pulumi${path.sep}typescript-shim.js`;

/** As `typescript-shim.js`: the project's TypeScript, else the SDK's vendored one. */
function loadTypeScriptAsTheShim(/** @type {string} */ shim) {
  const shimRequire = Module.createRequire(shim);
  try {
    return shimRequire("typescript");
  } catch {
    return shimRequire(path.join(path.dirname(shim), "vendor", "typescript@3.8.3", "typescript.js"));
  }
}

function deferredExports(/** @type {string} */ shim) {
  /** @type {Record<string | symbol, unknown> | undefined} */
  let typescript;
  const load = () => (typescript ??= loadTypeScriptAsTheShim(shim));
  return new Proxy(
    {},
    {
      get: (_, key) => load()[key],
      has: (_, key) => key in load(),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Object.getOwnPropertyDescriptor(load(), key);
        return descriptor ? { ...descriptor, configurable: true } : undefined;
      },
    },
  );
}

/** Wraps the current `.js` loader so that Pulumi's TypeScript shim loads TypeScript lazily. */
function deferPulumiTypeScript() {
  const loadJavaScript = Module._extensions[".js"];
  Module._extensions[".js"] = function loadDeferringTypeScript(module, filename) {
    if (filename.endsWith(SHIM)) {
      module.exports = deferredExports(filename);
      return;
    }
    return loadJavaScript.call(this, module, filename);
  };
}

module.exports = { deferPulumiTypeScript };
