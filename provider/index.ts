// The component provider that `pulumi package add` runs (PulumiPlugin.yaml at the repository root
// points here). The Pulumi CLI talks to it over gRPC; the schema is read from this directory's sources.
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { PACKAGE_COMPONENTS, PACKAGE_NAME } from "./components";

void componentProviderHost({ name: PACKAGE_NAME, dirname: __dirname, components: PACKAGE_COMPONENTS });
