/**
 * Azure built-in role ids (Microsoft Learn, "Azure built-in roles":
 * https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
 */
export const BUILT_IN_ROLES = {
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  roleBasedAccessControlAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  keyVaultCryptoUser: "12338af0-0e69-4776-bea7-57ae8d297424",
} as const;

/**
 * What `pulumi up` of the stacks needs beyond Contributor, which cannot write
 * Microsoft.Authorization: each web service gets a custom consumer role and its assignments.
 */
export const ROLE_MANAGEMENT_ACTIONS = [
  "Microsoft.Authorization/roleDefinitions/read",
  "Microsoft.Authorization/roleDefinitions/write",
  "Microsoft.Authorization/roleDefinitions/delete",
  "Microsoft.Authorization/roleAssignments/read",
  "Microsoft.Authorization/roleAssignments/write",
  "Microsoft.Authorization/roleAssignments/delete",
] as const;

/** The roles the deploy identity may never assign or remove (a path to owning the subscription). */
export const PRIVILEGED_ROLES = [BUILT_IN_ROLES.owner, BUILT_IN_ROLES.userAccessAdministrator, BUILT_IN_ROLES.roleBasedAccessControlAdministrator] as const;

/**
 * An ABAC condition (version 2.0) on the role-management assignment, in the form of Microsoft's
 * "Delegate Azure role assignment management to others with conditions": no privileged role is
 * assigned or removed.
 */
export function withoutPrivilegedRoles(): string {
  const roles = PRIVILEGED_ROLES.join(", ");
  return [
    "(",
    " (",
    "  !(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})",
    " )",
    " OR",
    " (",
    `  @Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAllValues:GuidNotEquals {${roles}}`,
    " )",
    ")",
    "AND",
    "(",
    " (",
    "  !(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})",
    " )",
    " OR",
    " (",
    `  @Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAllValues:GuidNotEquals {${roles}}`,
    " )",
    ")",
  ].join("\n");
}

/** Microsoft Graph's application id, the same in every tenant. */
export const MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

/**
 * Microsoft Graph application permissions (app role ids), from the Microsoft Graph permissions
 * reference (https://learn.microsoft.com/graph/permissions-reference).
 */
export const GRAPH_APP_ROLES = {
  /** create the stacks' app registrations and service principals, and manage only those it owns */
  "Application.ReadWrite.OwnedBy": "18a4783c-866b-4cc7-a460-3d5e5662c884",
  /** the tenant-wide consent of the native app to the web app (`aad.grantAdminConsent`) */
  "DelegatedPermissionGrant.ReadWrite.All": "8e8e4742-1d95-4f68-9d56-6ee75648c72a",
  /** read the type of each `credentialReaders` principal (user, group or service principal) */
  "Directory.Read.All": "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
} as const;

export type GraphPermission = keyof typeof GRAPH_APP_ROLES;

/** The deploy identity's Graph permissions; the preview identity only reads. */
export const DEPLOY_GRAPH_PERMISSIONS: readonly GraphPermission[] = ["Application.ReadWrite.OwnedBy", "DelegatedPermissionGrant.ReadWrite.All", "Directory.Read.All"];
export const PREVIEW_GRAPH_PERMISSIONS: readonly GraphPermission[] = ["Directory.Read.All"];
