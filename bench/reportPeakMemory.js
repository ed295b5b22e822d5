// Preloaded into a measured process: reports its peak resident memory on exit.
process.on("exit", () => {
  require("node:fs").writeSync(2, `peak-rss-kib ${process.resourceUsage().maxRSS}\n`);
});
