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
/** Entries written or used this recently are never removed: a concurrent reader may be about to read them. */
const IN_USE_FOR_MS = 10 * 60 * 1000;
/** An entry's use is marked at most this often: its modification time, rewritten on use when older. */
const USE_MARKED_EVERY_MS = 60 * 60 * 1000;

/**
 * Writes `file` whole or not at all, creating its directory: a file of its own first, then renamed
 * over it, so that a concurrent reader sees the old entry or the new one, never half. Throws what the
 * file system refuses; the caller decides what a cache it cannot write costs.
 *
 * The directory then keeps the `keep` most recently written or used entries (`markUsed`), this one
 * among them: every entry is keyed by what it was derived from, so without a bound each change of a
 * source, a package or Node.js would leave one more behind for good. An entry removed costs its next
 * reader the work.
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
 * Marks `file`, an entry just read, as used, so that a bounded directory removes entries unused for
 * longer first; at most once an hour per entry (a rewritten modification time). Never throws.
 * @param {string} file
 */
function markUsed(file) {
  try {
    const now = Date.now();
    if (now - fs.statSync(file).mtimeMs < USE_MARKED_EVERY_MS) return;
    fs.utimesSync(file, new Date(now), new Date(now));
  } catch {
    // gone, or a read-only cache: nothing to keep it from
  }
}

/**
 * Removes the entries beside `file` beyond the `keep - 1` most recently written or used, except those
 * of the last ten minutes (`IN_USE_FOR_MS`), and temporary files of writers that died. Other writers' temporary files,
 * directories and symbolic links are left alone, and so is a directory that is itself a link: the
 * cache removes only files it could have written. Never throws: the entry is written, and what
 * cannot be removed now is removed by a later write.
 * @param {string} file
 * @param {number} keep
 */
function pruneBeside(file, keep) {
  const dir = path.dirname(file);
  const now = Date.now();
  /** @type {{ entry: string, mtimeMs: number }[]} */
  const others = [];
  try {
    if (fs.lstatSync(dir).isSymbolicLink()) return;
    for (const name of fs.readdirSync(dir)) {
      const entry = path.join(dir, name);
      if (entry === file) continue;
      let stat;
      try {
        stat = fs.lstatSync(entry);
      } catch {
        continue; // removed meanwhile
      }
      if (!stat.isFile()) continue;
      if (TEMPORARY.test(name)) {
        if (now - stat.mtimeMs > ORPHANED_AFTER_MS) removeQuietly(entry);
      } else if (now - stat.mtimeMs > IN_USE_FOR_MS) {
        others.push({ entry, mtimeMs: stat.mtimeMs });
      } else {
        keep--; // kept, and counted
      }
    }
  } catch {
    return;
  }
  others.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.entry < b.entry ? -1 : 1));
  for (const { entry } of others.slice(Math.max(keep - 1, 0))) removeQuietly(entry);
}

/** @param {string} file */
function removeQuietly(file) {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // a later write removes it
  }
}

module.exports = { writeCacheFile, markUsed };
