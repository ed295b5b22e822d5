/** The plan's cache directory; defined in `planCacheDir.cjs`, which CommonJS preloads read too. */
export const { planCacheDir } = require("./planCacheDir.cjs") as { planCacheDir(): string };
