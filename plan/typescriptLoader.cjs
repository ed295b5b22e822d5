"use strict";
// Runs TypeScript in the plan's own process and, preloaded (`node --require`), in the program's,
// in place of `tsx/cjs` alone. tsx compiles the TypeScript; two things it also does only cost time
// here: it reads and scans every JavaScript file of node_modules for ESM syntax (Node loads those
// itself, `require(esm)` included), and it turns on source maps for the whole process, which makes
// every stack capture (Pulumi takes one per resource and per promise) load and map
// `.js.map` files. Stack traces never reach the plan's report: only messages do.
const Module = require("node:module");
const path = require("node:path");

// first, so that tsx and everything after it compile through the cache of this kind of process
require("./codeCache.cjs").enableCodeCache(path.basename(process.argv[1] ?? "node").replace(/\.[^.]*$/, ""));

const nodeLoadsJavaScript = Module._extensions[".js"];
const nodeResolvesFilename = Module._resolveFilename;
const sourceMapsEnabled = process.sourceMapsEnabled === true;
require("tsx/cjs");
// Node.js's own resolution, as under the CLI's host, where ts-node adds extensions, not resolution:
// tsx's maps bare imports through the project's tsconfig.json `paths` and `baseUrl`, which would make
// the program load other modules than `pulumi up` runs.
Module._resolveFilename = nodeResolvesFilename;
const tsxLoadsJavaScript = Module._extensions[".js"];
const DEPENDENCY = `${path.sep}node_modules${path.sep}`;

/** Files Node.js loads as JavaScript under the CLI's host too, where ts-node compiles `.ts` and `.tsx` only. */
const NOT_COMPILED_BY_THE_CLI = /\.[cm]ts$/;

Module._extensions[".js"] = function loadJavaScript(module, filename) {
  const asNode = filename.includes(DEPENDENCY) || NOT_COMPILED_BY_THE_CLI.test(filename);
  return (asNode ? nodeLoadsJavaScript : tsxLoadsJavaScript).call(this, module, filename);
};
process.setSourceMapsEnabled(sourceMapsEnabled);
require("./deferredSdkModules.cjs").deferUnusedSdkModules();
