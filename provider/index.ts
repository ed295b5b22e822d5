// The component provider that `pulumi package add` runs (PulumiPlugin.yaml at the repository root
// points here). The Pulumi CLI talks to it over gRPC; the schema is derived from this directory's
// sources once per content and kept in the package's cache directory.
import { main } from "@pulumi/pulumi/provider";
import { planCacheDir } from "../plan/planCacheDir.cjs";
import { PACKAGE_COMPONENTS, PACKAGE_NAME } from "./components";
import { SchemaCachingProvider } from "./schemaCachingProvider";

void main(new SchemaCachingProvider({ name: PACKAGE_NAME, dirname: __dirname, components: PACKAGE_COMPONENTS, cacheDir: planCacheDir() }), process.argv.slice(2));
