// `aml-webservices/client`: the endpoint client alone, without the components and their Pulumi SDKs.
export * from "../client";
