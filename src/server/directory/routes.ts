// The live directory's routes (DESIGN §6, issue 21): org admins assign and remove roles, see who can
// grant for a product on a site, look people and groups up and list grants whose granter no longer
// could; the vendor's side changes a site's status, its Guard restriction and a ticket's engineer.
import { Hono } from 'hono';
import { ROUTES } from '../../api/contract';
import type { RoleAssignmentWire } from '../../api/directory-schemas';
import { WorldError, parseRoleAssignment } from '../../core/index';
import type { ServerContext } from '../context';
import { currentTicket, grantsInStates } from '../grants/repository';
import { isOrgAdmin, peopleOf } from '../grants/views';
import type { Caller } from '../http/auth';
import { problem } from '../http/problems';
import type { Env } from '../http/request';
import { route, WHO } from '../http/route';
import { clientText, TARGET } from '../http/refusals';
import { newId } from '../grants/repository';
import { grantedByNoLongerCan } from './effects';
import { grantorsOf } from './grantors';
import { deleteRoleAssignmentRow, groupMembers, insertRoleAssignment, listRoleAssignments, sameRoleAssignment, searchGroups, searchPeople, syncState, type StoredRole } from './repository';
import { directoryWrite, roleRemoval } from './service';
import type { DirectoryActor } from './store';
import { assignTicket, handOverRefusal, setSiteState } from './vendor-service';

const wire = (r: StoredRole): RoleAssignmentWire => ({ ...r, source: r.source ?? 'manual' });

/** The directory actor a request is made by (admin or key). */
export function actorOf(caller: Caller): DirectoryActor {
  return caller.kind === 'key' ? { kind: 'key', id: caller.key.id, name: caller.key.name } : { kind: 'admin', id: caller.id };
}

const orgAdmins = (what: string) => WHO.when(isOrgAdmin, `${what} org admins only.`);

export function directoryRoutes(_s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();

  const assigning = {
    who: orgAdmins('Roles are assigned by'),
    refusal: {
      action: 'directory.role_assign',
      target: async (_x: ServerContext, _p: Record<string, string>, b: Record<string, unknown>) => ({
        ticket: null,
        resource: { type: 'role_assignment', role: clientText(b.role), user: clientText(b.user), group: clientText(b.group) },
      }),
    },
  } as const;
  route(r, ROUTES.createRoleAssignment, assigning, async (c, { s, caller, body }) => {
    const ix = s.ix;
    let parsed: ReturnType<typeof parseRoleAssignment>;
    try {
      parsed = parseRoleAssignment(body, 'role assignment', {
        experience: ix.world.organization.userManagement,
        users: ix.usersById,
        groups: ix.groupsById,
        sites: ix.sitesById,
        products: ix.productsBySiteKey,
      });
    } catch (e) {
      if (e instanceof WorldError) throw problem('request-refused', e.message, { code: 'invalid_role_assignment' });
      throw e;
    }
    const assignment: StoredRole = { ...parsed, id: newId('role'), source: 'manual' } as StoredRole;
    const created = await directoryWrite(s, actorOf(caller), async (tx, at) => {
      // Checked again under the transaction: the holder may have gone since the index was read.
      // A group's row is locked as membership changes lock it, so the members read here are all who gain the role.
      const holder = assignment.user
        ? await tx.query('SELECT 1 FROM people WHERE id = $1 FOR UPDATE', [assignment.user])
        : await tx.query('SELECT 1 FROM dir_groups WHERE id = $1 FOR UPDATE', [assignment.group]);
      if (holder.length === 0)
        throw problem('request-refused', `${assignment.user ? `Person "${assignment.user}"` : `Group "${assignment.group}"`} no longer exists.`, { code: 'invalid_role_assignment' });
      const same = await sameRoleAssignment(tx, assignment);
      if (same) throw problem('conflict', `That role is already assigned (${same}).`, { code: 'already_assigned', id: same });
      await insertRoleAssignment(tx, assignment, at, caller.id);
      return {
        result: assignment,
        action: 'directory.role_assign',
        resource: { type: 'role_assignment', id: assignment.id, role: assignment.role, ...(assignment.user ? { user: assignment.user } : { group: assignment.group }) },
        detail: { site: assignment.site, product: assignment.product, products: assignment.products },
        people: assignment.user ? [assignment.user] : await groupMembers(tx, assignment.group!),
        groups: assignment.group ? [assignment.group] : [],
      };
    });
    c.header('Location', `/v1/role-assignments/${created.id}`);
    return c.json(wire(created), 201);
  });

  route(r, ROUTES.roleAssignments, { who: orgAdmins('Role assignments are listed for') }, async (c, { s }) => {
    const user = c.req.query('user') || undefined;
    const group = c.req.query('group') || undefined;
    return c.json({ assignments: (await listRoleAssignments(s.db, { user, group })).map(wire) });
  });

  const removing = {
    who: orgAdmins('Roles are removed by'),
    refusal: { action: 'directory.role_remove', target: async (_x: ServerContext, p: Record<string, string>) => ({ ticket: null, resource: { type: 'role_assignment', id: p.id } }) },
  } as const;
  route(r, ROUTES.deleteRoleAssignment, removing, async (c, { s, caller, params }) => {
    const id = params.id;
    await directoryWrite(s, actorOf(caller), async (tx) => {
      const [target] = await tx.query<{ group_id: string | null }>('SELECT group_id FROM role_assignments WHERE id = $1', [id]);
      if (target?.group_id) await tx.query('SELECT 1 FROM dir_groups WHERE id = $1 FOR UPDATE', [target.group_id]);
      const gone = await deleteRoleAssignmentRow(tx, id);
      if (!gone) throw problem('not-found', `No role assignment "${id}".`);
      return {
        result: gone,
        ...roleRemoval(gone),
        people: gone.user ? [gone.user] : await groupMembers(tx, gone.group!),
        groups: gone.group ? [gone.group] : [],
      };
    });
    return c.body(null, 204);
  });

  route(r, ROUTES.grantors, { who: orgAdmins('"Who can grant" is shown to') }, async (c, { s }) => {
    const site = c.req.query('site') ?? '';
    const product = c.req.query('product') ?? '';
    const limitText = c.req.query('limit') ?? '20';
    if (!/^\d{1,3}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 100) throw problem('bad-request', 'limit must be a whole number from 1 to 100.');
    if (!s.ix.sitesById.has(site)) throw problem('not-found', `No site "${site}".`);
    if (!s.ix.productsBySiteKey.has(`${site}/${product}`)) throw problem('not-found', `No product "${product}" on site "${site}".`);
    return c.json(grantorsOf(s.ix, site, product, Number(limitText)));
  });

  route(r, ROUTES.directoryLookup, { who: orgAdmins('The directory is looked up by') }, async (c, { s }) => {
    const q = (c.req.query('q') ?? '').trim().slice(0, 200);
    const [people, groups] = await Promise.all([searchPeople(s.db, q, 20), searchGroups(s.db, q, 20)]);
    return c.json({
      people: people.map((p) => ({ id: p.id, name: p.name, email: p.email, active: p.active, source: p.source, lastSyncedAt: p.lastSyncedAt })),
      groups: groups.map((g) => ({ id: g.id, name: g.name, members: g.memberCount, source: g.source })),
    });
  });

  route(r, ROUTES.directorySync, { who: WHO.people("The directory's sync state is shown to the org's people.") }, async (c, { s }) => {
    return c.json(await syncState(s.db));
  });

  route(r, ROUTES.flaggedGrants, { who: orgAdmins('Flagged grants are listed for') }, async (c, { s }) => {
    const grants = (await grantsInStates(s.db, ['active', 'pending_guard_approval'])).filter((g) => grantedByNoLongerCan(s.ix, g)).map((g) => ({ ...g, grantedByNoLongerCan: true }));
    return c.json({ grants, people: peopleOf(s, grants) });
  });

  return r;
}

/** The vendor's side: site status, Guard restriction, ticket assignment. */
export function vendorRoutes(_s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();
  const vendorOrOrgAdmin = WHO.when(
    (s, caller) => (caller.kind === 'engineer' && !caller.key) || isOrgAdmin(s, caller),
    "A site's status and Guard restriction are changed by the support system (an engineer's credentials) or an org admin.",
  );
  const site = async (_x: ServerContext, p: Record<string, string>) => ({ ticket: null, resource: { type: 'site', id: p.id } });

  route(r, ROUTES.setSiteStatus, { who: vendorOrOrgAdmin, refusal: { action: 'directory.site_status', target: site } }, async (c, { s, caller, body, params }) =>
    c.json(await setSiteState(s, caller, params.id, { status: body.status })),
  );

  route(r, ROUTES.setSiteGuard, { who: vendorOrOrgAdmin, refusal: { action: 'directory.site_guard', target: site } }, async (c, { s, caller, body, params }) =>
    c.json(await setSiteState(s, caller, params.id, { guardRestricted: body.restricted })),
  );

  // Authority (route.ts): the ticket is handed over by the engineer on it now.
  const handingOver = async (s: ServerContext, caller: Caller, { params }: { params: Record<string, string> }) => {
    const t = await currentTicket(s.db, s.ix, params.key!);
    return t && handOverRefusal(caller, t);
  };
  route(r, ROUTES.assignTicket, { refusal: { action: 'ticket.assign', target: TARGET.ticket }, authority: handingOver }, async (c, { s, caller, body, params }) =>
    c.json(await assignTicket(s, caller, params.key, body.engineer)),
  );

  return r;
}
