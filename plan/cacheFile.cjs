// @ts-check
"use strict";
// Writing an entry of the plan's caches (`planCacheDir.cjs`), which several plans read and write at
// once. Plain CommonJS: the code cache and the compiled pack's host write entries before any
// TypeScript loads.
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

/** A temporary file of `writeCacheFile`: `<entry>.<pid>-<8 hex>.tmp`. */
const TEMPORARY = /\.\d+-[0-9a-f]{8}\.tmp$/;
/** A temporary file this old belongs to a writer that died mid-write (SIGKILL, power loss). */
const ORPHANED_AFTER_MS = 60 * 60 * 1000;

/**
 * Writes `file` whole or not at all, creating its directory: a file of its own first, then renamed
 * over it, so that a concurrent reader sees the old entry or the new one, never half. Throws what the
 * file system refuses; the caller decides what a cache it cannot write costs.
 *
 * The directory then keeps the `keep` most recently written entries, this one among them: every
 * entry is keyed by what it was derived from, so without a bound each change of a source, a package
 * or Node.js would leave one more behind for good. An entry removed costs its next reader the work.
 * @param {string} file
 * @param {string | Buffer} data
 * @param {{ keep: number }} bound
 */
function writeCacheFile(file, data, { keep }) {
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
  pruneBeside(file, keep);
}

/**
 * Removes the entries beside `file` beyond the `keep - 1` most recently written, and temporary files
 * of writers that died; other writers' temporary files and directories are left alone. Never throws:
 * the entry is written, and what cannot be removed now is removed by a later write.
 * @param {string} file
 * @param {number} keep
 */
function pruneBeside(file, keep) {
  const dir = path.dirname(file);
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  /** @type {{ entry: string, mtimeMs: number }[]} */
  const others = [];
  for (const name of names) {
    const entry = path.join(dir, name);
    if (entry === file) continue;
    let stat;
    try {
      stat = fs.statSync(entry);
    } catch {
      continue; // removed meanwhile
    }
    if (!stat.isFile()) continue;
    if (TEMPORARY.test(name)) {
      if (now - stat.mtimeMs > ORPHANED_AFTER_MS) fs.rmSync(entry, { force: true });
      continue;
    }
    others.push({ entry, mtimeMs: stat.mtimeMs });
  }
  others.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.entry < b.entry ? -1 : 1));
  for (const { entry } of others.slice(Math.max(keep - 1, 0))) {
    try {
      fs.rmSync(entry, { force: true });
    } catch {
      // a later write removes it
    }
  }
}

module.exports = { writeCacheFile };
