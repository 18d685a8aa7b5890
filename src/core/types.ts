// Domain types shared by every part. The world file (DESIGN §3) parses into `World`;
// decisions are pure functions over an indexed world (see `index.ts`).

export type UserManagement = 'centralized' | 'original';

export type CentralizedRole = 'org_admin' | 'product_admin' | 'billing_admin' | 'technical_contact' | 'user_access_admin' | 'guard_admin';

export type OriginalRole = 'org_admin' | 'site_admin' | 'product_admin' | 'trusted_user' | 'billing_contact' | 'technical_contact' | 'guard_admin';

export type RoleName = CentralizedRole | OriginalRole;

export interface Organization {
  id: string;
  name: string;
  userManagement: UserManagement;
  guard?: { restrictedSites: string[] };
  /** The org's OpenID Connect provider people sign in with (DESIGN §6). */
  identity?: OrganizationIdentity;
}

/** An OpenID Connect provider: its issuer URL (no trailing slash is added or removed), the client id registered for the extension, the scopes asked for. */
export interface OrganizationIdentity {
  issuer: string;
  clientId: string;
  scopes: string[];
}

export type SiteStatus = 'active' | 'pending_deletion';

export interface Site {
  id: string;
  url: string;
  status: SiteStatus;
}

export interface Product {
  site: string;
  key: string;
  /** Display name ("Jira Service Management"); defaults from the key. */
  name?: string;
  licensed: boolean;
  defaultGroup: string;
  billableSeats: number;
}

export interface User {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
  /** Sites the user belongs to; a user on no site is a "person not on the site". */
  sites: string[];
  /** Demo/test bearer token; the server stores only its hash. */
  token?: string;
  /** Product groups the user is in, as "site/product"; grown by approved access requests. */
  products?: string[];
  /** False once deactivated (the live directory, SCIM `active: false`): refused, and holds no role. */
  active?: boolean;
  /** When the identity provider last changed this person (ISO 8601; the directory's record), if ever. */
  lastSyncedAt?: string;
}

/** A group of people (DESIGN §6); roles assigned to it are each member's. */
export interface Group {
  id: string;
  name: string;
  members: string[];
}

/**
 * A role a person holds. In a world file and the directory it names a person (`user`) or a group
 * (`group`); in a WorldIndex every group assignment is also listed under each member, with `user`
 * the member and `group` the group it comes through.
 */
export interface RoleAssignment {
  user: string;
  /** The group this role comes through (absent: the person's own). */
  group?: string;
  /** The directory's id of the assignment (absent for a world file that is not imported yet). */
  id?: string;
  role: RoleName;
  site?: string;
  /** One product (product_admin, trusted_user). */
  product?: string;
  /** Products the user is listed on as a contact (billing / technical). */
  products?: string[];
  source?: 'manual' | 'scim';
  pendingSync?: boolean;
}

export interface Engineer {
  id: string;
  email: string;
  token?: string;
  name?: string;
}

export type TicketStatus = 'open' | 'closed';

export interface Ticket {
  key: string;
  title?: string;
  /** What the reporter wrote when raising it (tickets raised through the API only). */
  description?: string;
  site: string;
  product: string;
  reporter: string;
  engineer: string;
  status: TicketStatus;
  dataAccessRequested?: boolean;
  /**
   * AI (Rovo) conversations Support asked to see: each its id or, where the vendor knows more, the
   * conversation with its title and owner (as the world file writes them; ids by `conversationIds`).
   */
  aiConversationsRequested?: (string | AiConversation)[];
}

/** An AI (Rovo) conversation as the vendor describes it: its id and, when known, its title and owner (a user id). */
export interface AiConversation {
  id: string;
  title?: string;
  owner?: string;
}

/** A role assigned to a group (world file `roles[]` naming `"group"`). */
export type GroupRoleAssignment = Omit<RoleAssignment, 'user' | 'group'> & { group: string };

export interface World {
  organization: Organization;
  sites: Site[];
  products: Product[];
  users: User[];
  /** Roles assigned to people. */
  roles: RoleAssignment[];
  groups?: Group[];
  /** Roles assigned to groups: each member holds them. */
  groupRoles?: GroupRoleAssignment[];
  engineers: Engineer[];
  tickets: Ticket[];
  /** Product access requests the org starts with (demos, tests); seeded once as pending. */
  accessRequests?: WorldAccessRequest[];
  /** Changes Support asks consent for when the org starts (demos, tests); seeded once as pending. */
  changeRequests?: WorldChangeRequest[];
}

/** A change request written in the world file (by the ticket's engineer); its resource as {type, id, project?}. */
export interface WorldChangeRequest {
  id: string;
  ticket: string;
  action: string;
  resource: { type: string; id: string; project?: string };
  reason: string;
  once?: boolean;
  duration?: string;
  until?: string;
}

/** A pending product access request written in the world file: `for` absent means "for myself". */
export interface WorldAccessRequest {
  id: string;
  site: string;
  product: string;
  requestedBy: string;
  for?: AccessRequestTarget;
}

// ---- eligibility (DESIGN §2.1, §2.2) ----

export type CauseCode = 'wrong_product' | 'wrong_site' | 'contact_not_listed' | 'site_deactivated' | 'scim_not_synced' | 'no_admin_role' | 'ticket_closed';

/** DESIGN §2.2 order; causes are always reported in this order. */
export const CAUSE_ORDER: readonly CauseCode[] = ['wrong_product', 'wrong_site', 'contact_not_listed', 'site_deactivated', 'scim_not_synced', 'no_admin_role', 'ticket_closed'];

export interface Cause {
  code: CauseCode;
  message: string;
  fix: string;
}

export interface QualifiedAdmin {
  userId: string;
  name: string;
  role: RoleName;
}

export interface Scope {
  product: string;
  site: string;
  siteUrl: string;
  /** Plain sentences an admin understands. */
  includes: string[];
  excludes: string[];
  summary: string;
}

export interface Eligibility {
  allowed: boolean;
  via: RoleName | null;
  causes: Cause[];
  qualifiedAdmins: QualifiedAdmin[];
  guardApprovalRequired: boolean;
  scope: Scope;
}

// ---- grant lifecycle (DESIGN §2.3) ----

export type GrantState = 'requested' | 'pending_guard_approval' | 'active' | 'denied' | 'revoked';

export type GrantKind = 'data' | 'ai_conversations';

export interface Grant {
  id: string;
  kind: GrantKind;
  ticket: string;
  site: string;
  product: string;
  engineer: string;
  state: GrantState;
  /** Exact AI conversation ids, for kind 'ai_conversations'. */
  conversations?: string[];
  requestedAt?: string;
  grantedBy?: string;
  grantedAt?: string;
  guardDecidedBy?: string;
  guardDecidedAt?: string;
  /** What the Guard admin wrote with the decision (a denial's reason), for the granter. */
  guardMessage?: string;
  revokedBy?: string;
  revokedAt?: string;
  revokeReason?: 'admin' | 'ticket_closed';
  version: number;
}

export type GrantEvent =
  | { type: 'grant'; by: string; at: string; guardRequired: boolean }
  | { type: 'guard_approve'; by: string; at: string; message?: string }
  | { type: 'guard_deny'; by: string; at: string; message?: string }
  | { type: 'revoke'; by: string; at: string; reason: 'admin' | 'ticket_closed' }
  /** The site became Guard-restricted: a live grant waits for Guard approval again. */
  | { type: 'guard_required'; by: string; at: string };

// ---- product access requests (DESIGN §2.4) ----

export type AccessRequestState = 'pending' | 'approved' | 'denied';

export type AccessRequestTarget = { userId: string } | { email: string };

export interface AccessRequest {
  id: string;
  site: string;
  product: string;
  requestedBy: string;
  /** Who the access is for: a site user by id, or a newcomer by email. Equal to requester for self. */
  for: AccessRequestTarget;
  self: boolean;
  requesterOnSite: boolean;
  state: AccessRequestState;
  createdAt: string;
  decidedBy?: string;
  decidedAt?: string;
  message?: string;
  /** Decided by the decision on this other request for the same person, site and product. */
  decidedWith?: string;
  version: number;
}

/** A refusal with a stable machine code and a human reason. */
export class RuleError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RuleError';
  }
}
