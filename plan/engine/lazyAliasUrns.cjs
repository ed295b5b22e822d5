"use strict";
// Preloaded into the program's process. Pulumi's Resource constructor turns every alias of a
// resource into a URN output at once and keeps them in `__aliases`, which the SDK reads only to
// compute its children's aliases when the engine does not take alias specs. The plan's engine takes
// them (the SDK then sends the aliases themselves), so those outputs are never read, yet
// azure-native gives each resource some thirty aliases (the type tokens of its earlier API
// versions): at 100 services they were half of a program process's memory and a third of its CPU.
// Here `__aliases` is computed when first read, with the same values. Aliases the constructor could
// reject (an output, a promise, a name or type given as undefined) are still collapsed at once, so
// that a program fails as it fails under the CLI. An SDK whose constructor reads otherwise loads as
// it is.
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");

const RESOURCE_MODULE = `${path.sep}@pulumi${path.sep}pulumi${path.sep}resource.js`;
const EAGER_ALIAS_URNS =
  /\n( *)this\.__aliases = \[\];\n *if \(opts\.aliases\) \{\n *for \(const alias of opts\.aliases\) \{\n *this\.__aliases\.push\(collapseAliasToUrn\(alias, name, t, parent\)\);\n *\}\n *\}\n/;

// Appended to resource.js: `collapseAliasToUrn` and `output_1` are that module's own.
const DEFER_ALIAS_URNS = `
function __amlDeferAliasUrns(resource, aliases, collapse) {
    const given = aliases ? [...aliases] : [];
    const unknownAtOnce = given.some((alias) =>
        typeof alias !== "string" &&
        (alias === null || typeof alias !== "object" || output_1.Output.isInstance(alias) || typeof alias.then === "function" ||
            (Object.prototype.hasOwnProperty.call(alias, "name") && alias.name === undefined) ||
            (Object.prototype.hasOwnProperty.call(alias, "type") && alias.type === undefined)));
    if (unknownAtOnce) {
        resource.__aliases = given.map(collapse);
        return;
    }
    let urns;
    Object.defineProperty(resource, "__aliases", {
        configurable: true,
        enumerable: true,
        get: () => (urns ??= given.map(collapse)),
        set: (value) => { urns = value; },
    });
}
`;

/** resource.js with `__aliases` computed on first read, or undefined when its constructor reads otherwise */
function withLazyAliasUrns(/** @type {string} */ source) {
  if (!EAGER_ALIAS_URNS.test(source)) return undefined;
  return (
    source.replace(EAGER_ALIAS_URNS, (_, indent) => `\n${indent}__amlDeferAliasUrns(this, opts.aliases, (alias) => collapseAliasToUrn(alias, name, t, parent));\n`) +
    DEFER_ALIAS_URNS
  );
}

const loadJavaScript = Module._extensions[".js"];
Module._extensions[".js"] = function loadWithLazyAliasUrns(module, filename) {
  if (filename.endsWith(RESOURCE_MODULE)) {
    const lazy = withLazyAliasUrns(fs.readFileSync(filename, "utf8"));
    if (lazy !== undefined) {
      /** @type {{ _compile(source: string, filename: string): void }} */ (/** @type {unknown} */ (module))._compile(lazy, filename);
      return;
    }
  }
  return loadJavaScript.call(this, module, filename);
};

module.exports = { withLazyAliasUrns };
