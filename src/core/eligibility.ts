// Who may grant data access for a ticket, and if not, why and who can (DESIGN §2.1, §2.2).
//
// Semantics:
// - A role *fits* the ticket when it reaches the ticket's product on the ticket's site
//   (org_admin always fits; guard_admin never grants). A fitting role is *in effect* unless SCIM
//   set it and it has not synced.
// - allowed ⇔ the user holds an in-effect fitting role, the site is not pending deletion and the
//   ticket is open. `site_deactivated` and `ticket_closed` therefore block even org admins.
// - Causes are computed only when not allowed, and every cause that applies is reported, in
//   DESIGN order. Role causes come from the nearest tier only: if a fitting role exists but is
//   SCIM-pending, the cause is `scim_not_synced` (other misfitting roles are noise then);
//   otherwise each granting role adds what is wrong with it (a product admin of another product
//   on another site adds both `wrong_product` and `wrong_site`); with no granting role at all,
//   `no_admin_role`. Site and ticket state add their causes whatever the roles.
// - `via` is the strongest in-effect fitting role (org > site > product > trusted > billing >
//   technical), and `qualifiedAdmins` lists exactly the users whose own eligibility is allowed,
//   each with that same role.
import type { RoleHolder, WorldIndex } from './index-world';
import { compareRoles, isGrantingRole, isInEffect, roleFit, roleLabel } from './roles';
import { grantScope, place, scopeOf, ticketPlace } from './scope';
import { CAUSE_ORDER, RuleError, type Cause, type CauseCode, type Eligibility, type QualifiedAdmin, type RoleAssignment, type Ticket } from './types';

export function guardApprovalRequired(ix: WorldIndex, siteId: string): boolean {
  return ix.restrictedSites.has(siteId);
}

function requireTicket(ix: WorldIndex, ticketKey: string): Ticket {
  const t = ix.ticketsByKey.get(ticketKey);
  if (!t) throw new RuleError('unknown_ticket', `No ticket "${ticketKey}".`);
  return t;
}

/** Nobody may grant on a closed ticket or a site pending deletion. */
function ticketAcceptsGrants(ix: WorldIndex, t: Ticket): boolean {
  return t.status === 'open' && ix.sitesById.get(t.site)?.status === 'active';
}

export function qualifiedAdmins(ix: WorldIndex, ticketKey: string): QualifiedAdmin[] {
  return qualifiedAdminsOf(ix, requireTicket(ix, ticketKey));
}

function qualifiedAdminsOf(ix: WorldIndex, t: Ticket): QualifiedAdmin[] {
  if (!ticketAcceptsGrants(ix, t)) return [];
  const key = `${t.site}/${t.product}`;
  let admins = ix.qualifiedBySiteKey.get(key);
  if (!admins) {
    admins = rankAdmins(ix, [ix.orgAdmins, ix.siteAdminsBySite.get(t.site), ix.productAdminsBySiteKey.get(key), ix.contactsBySiteKey.get(key)]);
    ix.qualifiedBySiteKey.set(key, admins);
  }
  return admins.slice(); // callers own their copy; the cached list stays as built
}

/** Each holder once, with their strongest role; strongest first, then by name. */
function rankAdmins(ix: WorldIndex, lists: (RoleHolder[] | undefined)[]): QualifiedAdmin[] {
  const best = new Map<string, QualifiedAdmin>();
  for (const list of lists) {
    for (const h of list ?? []) {
      const prior = best.get(h.userId);
      if (prior && compareRoles(prior.role, h.role) <= 0) continue;
      best.set(h.userId, { userId: h.userId, name: ix.usersById.get(h.userId)?.name ?? h.userId, role: h.role });
    }
  }
  return [...best.values()].sort((a, b) => compareRoles(a.role, b.role) || a.name.localeCompare(b.name) || (a.userId < b.userId ? -1 : 1));
}

export function grantEligibility(ix: WorldIndex, userId: string, ticketKey: string): Eligibility {
  const t = requireTicket(ix, ticketKey);
  return eligibilityOf(ix, userId, t, grantScope(ix, ticketKey));
}

/** Key of the ticket a request form is about to create; never a real key (ticket keys carry a dash and digits). */
export const NEW_TICKET = 'the new request';

/**
 * Eligibility for a ticket not yet created: would ticking "allow Support to access my data" on the
 * raise-a-request form, as `userId`, give Support access to `product` on `site`? The same rules as
 * grantEligibility, for an open ticket with those product and site (so `ticket_closed` never
 * applies, and `site_deactivated` does). Throws RuleError `unknown_user`, `unknown_site` or
 * `unknown_product` (the product is not on that site).
 */
export function newTicketEligibility(ix: WorldIndex, userId: string, site: string, product: string): Eligibility {
  if (!ix.sitesById.has(site)) throw new RuleError('unknown_site', `No site "${site}".`);
  if (!ix.productsBySiteKey.has(`${site}/${product}`)) throw new RuleError('unknown_product', `${site} has no product "${product}".`);
  const t: Ticket = { key: NEW_TICKET, site, product, reporter: userId, engineer: '', status: 'open' };
  return eligibilityOf(ix, userId, t, scopeOf(ix, t, 'this request'));
}

function eligibilityOf(ix: WorldIndex, userId: string, t: Ticket, scope: Eligibility['scope']): Eligibility {
  if (!ix.usersById.has(userId)) throw new RuleError('unknown_user', `No user "${userId}".`);
  const granting = (ix.rolesByUser.get(userId) ?? []).filter((r) => isGrantingRole(r.role));
  const fitting = granting.filter((r) => roleFit(r, t.site, t.product).fits);
  const effective = fitting.filter(isInEffect); // already strongest first (indexWorld sorts)
  const allowed = effective.length > 0 && ticketAcceptsGrants(ix, t);
  const admins = qualifiedAdminsOf(ix, t);
  const causes = allowed ? [] : explain(ix, t, granting, fitting, effective, admins);
  return {
    allowed,
    via: allowed ? effective[0]!.role : null,
    causes,
    qualifiedAdmins: admins,
    guardApprovalRequired: guardApprovalRequired(ix, t.site),
    scope,
  };
}

function explain(ix: WorldIndex, t: Ticket, granting: RoleAssignment[], fitting: RoleAssignment[], effective: RoleAssignment[], admins: QualifiedAdmin[]): Cause[] {
  const codes = new Set<CauseCode>();
  if (effective.length === 0) {
    if (fitting.length > 0) codes.add('scim_not_synced');
    else if (granting.length === 0) codes.add('no_admin_role');
    for (const r of fitting.length > 0 ? [] : granting) {
      const fit = roleFit(r, t.site, t.product);
      if (fit.fits) continue;
      if (fit.wrongProduct) codes.add('wrong_product');
      if (fit.wrongSite) codes.add('wrong_site');
      if (fit.notListed) codes.add('contact_not_listed');
    }
  }
  if (ix.sitesById.get(t.site)?.status === 'pending_deletion') codes.add('site_deactivated');
  if (t.status === 'closed') codes.add('ticket_closed');
  const { product, site } = ticketPlace(ix, t);
  const who = adminList(admins);
  const misfits = (pred: (r: RoleAssignment) => boolean) =>
    granting
      .filter(pred)
      .map((r) => `${roleLabel(r.role)} of ${describeReach(ix, r)}`)
      .join('; ');
  const text: Record<CauseCode, () => Omit<Cause, 'code'>> = {
    wrong_product: () => ({
      message: `You are ${misfits((r) => r.product !== undefined && r.product !== t.product)}, not of ${product}.`,
      fix: `Ask an admin of ${product} on ${site}${who}, or ask an org admin to elevate you.`,
    }),
    wrong_site: () => ({
      message: `Your role is on another site (${misfits((r) => r.site !== undefined && r.site !== t.site)}), not on ${site}.`,
      fix: `The grant must come from an admin of ${product} on ${site}${who}.`,
    }),
    contact_not_listed: () => ({
      message: `You are ${misfits((r) => r.products !== undefined && !(r.site === t.site && r.products.includes(t.product)))}, but not listed as a contact for ${product} on ${site}.`,
      fix: `Add yourself as a contact for ${product} on ${site}, or ask an org admin.`,
    }),
    site_deactivated: () => ({
      message: `${site} is pending deletion: it accepts tickets but rejects data-access grants.`,
      fix: `Reactivate ${site}, or open the ticket on an active site.`,
    }),
    scim_not_synced: () => ({
      message: `Your ${fitting.map((r) => roleLabel(r.role)).join(', ')} role for ${product} on ${site} was set by SCIM and has not synced yet.`,
      fix: 'Trigger a SCIM sync from your identity provider, then retry.',
    }),
    no_admin_role: () => ({
      message: `You have no admin role that can grant Support access to ${product} on ${site}.`,
      fix: `Ask one of the admins who can${who}.`,
    }),
    ticket_closed: () => ({
      message: `Ticket ${t.key} is closed.`,
      fix: `Re-open ${t.key} or raise a new ticket.`,
    }),
  };
  return CAUSE_ORDER.filter((c) => codes.has(c)).map((code) => ({ code, ...text[code]() }));
}

function describeReach(ix: WorldIndex, r: RoleAssignment): string {
  if (!r.site) return 'the org';
  const site = place(ix, r.site, '').site;
  if (r.product) return `${place(ix, r.site, r.product).product} on ${site}`;
  if (r.products) return `${r.products.map((p) => place(ix, r.site!, p).product).join(', ')} on ${site}`;
  return site;
}

const MAX_NAMED = 5;

/** ": Alice Ng (org admin), Bob Li (product admin)" — or a plain statement that nobody can right now. */
function adminList(admins: QualifiedAdmin[]): string {
  if (admins.length === 0) return ' (nobody can grant for this ticket right now)';
  const named = admins
    .slice(0, MAX_NAMED)
    .map((a) => `${a.name} (${roleLabel(a.role)})`)
    .join(', ');
  const more = admins.length > MAX_NAMED ? ` and ${admins.length - MAX_NAMED} more` : '';
  return `: ${named}${more}`;
}
