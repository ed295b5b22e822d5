// @ts-check
"use strict";
// Writing an entry of the plan's caches (`planCacheDir.cjs`), which several plans read and write at
// once. Plain CommonJS: the code cache and the compiled pack's host write entries before any
// TypeScript loads.
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

/**
 * Writes `file` whole or not at all, creating its directory: a file of its own first, then renamed
 * over it, so that a concurrent reader sees the old entry or the new one, never half. Throws what the
 * file system refuses; the caller decides what a cache it cannot write costs.
 * @param {string} file
 * @param {string | Buffer} data
 */
function writeCacheFile(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // random too: processes of two containers sharing a cache can have the same pid
  const temporary = `${file}.${process.pid}-${crypto.randomBytes(4).toString("hex")}.tmp`;
  try {
    fs.writeFileSync(temporary, data);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

module.exports = { writeCacheFile };
