/** Component type tokens are `aml-webservices:index:<Component>`, as pulumi-eks and awsx do. */
export const TYPE_PREFIX = "aml-webservices:index";
