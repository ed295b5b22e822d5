import { AadApplications } from "../components/aadApplications";
import { AksInferenceCluster } from "./aksInferenceCluster";
import { MlWorkspace } from "./mlWorkspace";
import { ModelWebService } from "./modelWebService";

/** The package's name: its schema's name and the first part of every component's type token. */
export const PACKAGE_NAME = "aml-webservices";

/**
 * The components for every Pulumi language. AadApplications takes plain data already; the others
 * take plain data (regions as strings, the workspace and compute by their values) and build the
 * TypeScript components after checking it.
 */
export const PACKAGE_COMPONENTS = [AadApplications, MlWorkspace, AksInferenceCluster, ModelWebService];

export { AadApplications, AksInferenceCluster, MlWorkspace, ModelWebService };
