// Changes Support makes on a customer's site, and the admin's consent to each (DESIGN §4).
//
// An access check names an action. `read` (the default) is decided as always, by the grant alone.
// `change_permissions` (permission changes Support needs to reach the ticket's data) is allowed
// under the ticket's active data grant, on resources that hold permissions, and shown to the admins.
// Any other action is a change, allowed only under a consent: an approved change request naming
// that exact action on that exact canonical resource, for the assigned engineer, on this ticket,
// under the grant that was active when it was approved, before its end, and (for a `once` consent)
// not used yet. Revoking that grant or closing the ticket ends the consent.
//
// A change request's life:
//   pending ──approve──▶ approved                              (site without Guard restrictions)
//   pending ──approve──▶ pending_guard_approval ──guard_approve──▶ approved
//                                                └──guard_deny────▶ declined
//   pending | pending_guard_approval ──decline──▶ declined
//   approved ──use──▶ used                                     (once consents, by the allowing check)
//   pending | pending_guard_approval | approved ──end──▶ ended (grant revoked, ticket closed)
// Who may approve or decline is who may grant for the ticket (grantEligibility); Guard decides as
// for grants (mayDecideGuard), never the admin who approved.
import { engineerAccessDecision, type AccessDecision, type Resource, type ResourceType } from './access';
import { grantEligibility } from './eligibility';
import type { WorldIndex } from './index-world';
import { RuleError, type Eligibility, type Grant, type Ticket } from './types';

export const READ_ACTION = 'read';
export const CHANGE_PERMISSIONS_ACTION = 'change_permissions';
/** Longest action name a check or a change request may carry (characters). */
export const MAX_ACTION_LENGTH = 64;
/** Longest description of a permission change a check may carry (characters). */
export const MAX_CHANGE_LENGTH = 300;
/** Longest a consent may last, from its approval (days). */
export const MAX_CONSENT_DAYS = 30;

export type ActionKind = 'read' | 'change_permissions' | 'change';

/** How the enforcement point treats an action: absent or `read` reads; `change_permissions`; anything else changes. */
export function actionKind(action: string | undefined): ActionKind {
  if (action === undefined || action === READ_ACTION) return 'read';
  return action === CHANGE_PERMISSIONS_ACTION ? 'change_permissions' : 'change';
}

/** Resources whose permissions Support may change under a grant (to reach the ticket's data). */
export const PERMISSION_RESOURCE_TYPES: readonly ResourceType[] = ['permission_config', 'group', 'project', 'user'];

const TYPE_WORDS: Record<ResourceType, string> = {
  work_item: 'work item',
  comment: 'comment',
  attachment: 'attachment',
  page: 'page',
  user: 'user',
  group: 'group',
  permission_config: 'permission configuration',
  audit_log: 'audit log',
  admin_settings: 'admin settings',
  ai_conversation: 'AI conversation',
  workflow: 'workflow',
  project: 'project',
};

/** A resource in words: "workflow 'Bug' in project PS", "project PS", "permission configuration". */
export function resourceWords(r: Resource): string {
  const type = TYPE_WORDS[r.type] ?? r.type;
  if (r.type === 'project') return r.id ? `project ${r.id}` : 'a project';
  const name = r.id ?? r.conversation;
  return `${type}${name ? ` '${name}'` : ''}${r.project ? ` in project ${r.project}` : ''}`;
}

/** The change in words: "update workflow 'Bug' in project PS". */
export function changeWords(action: string, r: Resource): string {
  return `${action.replaceAll('_', ' ')} ${resourceWords(r)}`;
}

/** Two canonical resources are the same one: every field equal, none extra. */
export function sameResource(a: Resource, b: Resource): boolean {
  const keys: (keyof Resource)[] = ['type', 'id', 'site', 'product', 'conversation', 'project'];
  return keys.every((k) => a[k] === b[k]);
}

/** ISO 8601 duration `PnD`, `PTnH`, `PTnM`, `PnDTnHnM` (no years, months or fractions) → milliseconds; RuleError `invalid_duration`. */
export function durationMs(iso: string): number {
  const m = /^P(?:(\d{1,3})D)?(?:T(?:(\d{1,4})H)?(?:(\d{1,6})M)?)?$/.exec(iso);
  if (!m || iso === 'P' || iso.endsWith('T')) throw new RuleError('invalid_duration', `"${iso}" is not an ISO 8601 duration such as PT2H, P1D or P1DT12H.`);
  const ms = ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000;
  if (ms <= 0) throw new RuleError('invalid_duration', 'A consent lasts for some time: the duration must be more than zero.');
  return ms;
}

export type ChangeRequestState = 'pending' | 'pending_guard_approval' | 'approved' | 'declined' | 'used' | 'ended';

export interface ChangeRequest {
  id: string;
  ticket: string;
  site: string;
  product: string;
  /** The engineer who asked (the ticket's assigned engineer). */
  engineer: string;
  /** The change, as the enforcement point will be asked for it (`update`, `delete`, `run_test`, …). */
  action: string;
  /** In canonical form (canonicalResource): the consent matches exactly this. */
  resource: Resource;
  reason: string;
  /** Allows one change, consumed by the first check it allows; otherwise any number until `endsAt`. */
  once: boolean;
  /** How long the consent lasts from approval (ISO 8601 duration), or… */
  duration?: string;
  /** …the moment it ends (ISO 8601). */
  until?: string;
  state: ChangeRequestState;
  createdAt: string;
  approvedBy?: string;
  approvedAt?: string;
  guardDecidedBy?: string;
  guardDecidedAt?: string;
  /** When the consent ends; set when it takes effect (approved). */
  endsAt?: string;
  /** The data grant the consent lives under (active when approved). */
  grantId?: string;
  declinedBy?: string;
  declinedAt?: string;
  message?: string;
  usedAt?: string;
  endedAt?: string;
  endReason?: 'grant_revoked' | 'ticket_closed';
  version: number;
}

export interface ChangeRequestInput {
  action: string;
  resource: Resource;
  reason: string;
  once?: boolean;
  duration?: string;
  until?: string;
}

const LIVE_CHANGE: readonly ChangeRequestState[] = ['pending', 'pending_guard_approval', 'approved'];

export function isLiveChangeRequest(c: ChangeRequest): boolean {
  return LIVE_CHANGE.includes(c.state);
}

/**
 * Support's request for one change on `t`. `input.resource` must already be canonical
 * (canonicalResource). Throws RuleError: `not_assigned` (not the ticket's engineer),
 * `ticket_closed`, `not_a_change` (read and change_permissions need no consent), `invalid_action`,
 * `unnamed_resource` (a change names one resource by id), `other_place` (another site or product
 * than the ticket's), `ai_conversation_read_only`, `invalid_duration`, `invalid_until`, `no_reason`.
 */
export function newChangeRequest(ix: WorldIndex, t: Ticket, engineerId: string, input: ChangeRequestInput, id: string, at: string): ChangeRequest {
  if (t.engineer !== engineerId) throw new RuleError('not_assigned', `Only the engineer assigned to ${t.key} asks for changes on it.`);
  if (t.status !== 'open') throw new RuleError('ticket_closed', `Ticket ${t.key} is closed.`);
  const action = input.action;
  if (action.length === 0 || action.length > MAX_ACTION_LENGTH) throw new RuleError('invalid_action', `An action is 1–${MAX_ACTION_LENGTH} characters.`);
  if (actionKind(action) !== 'change') throw new RuleError('not_a_change', `"${action}" needs no consent: reads and permission changes are allowed under the ticket's grant.`);
  const r = input.resource;
  if (r.type === 'ai_conversation') throw new RuleError('ai_conversation_read_only', 'AI conversations are never changed by Support.');
  if (!r.id) throw new RuleError('unnamed_resource', `A change names the one ${TYPE_WORDS[r.type] ?? r.type} it changes (its id).`);
  if (r.site !== t.site || r.product !== t.product) throw new RuleError('other_place', `Changes on ${t.key} are on its own product and site only.`);
  if (!ix.productsBySiteKey.get(`${t.site}/${t.product}`)) throw new RuleError('other_place', `${t.site} has no product "${t.product}".`);
  const reason = input.reason.trim();
  if (!reason) throw new RuleError('no_reason', 'Say why the change is needed.');
  if ((input.duration === undefined) === (input.until === undefined)) throw new RuleError('invalid_duration', 'Give how long the consent lasts: a duration or an end (until), not both.');
  const maxMs = MAX_CONSENT_DAYS * 86_400_000;
  if (input.duration !== undefined && durationMs(input.duration) > maxMs) throw new RuleError('invalid_duration', `A consent lasts at most ${MAX_CONSENT_DAYS} days.`);
  if (input.until !== undefined) {
    const end = Date.parse(input.until);
    if (Number.isNaN(end) || end <= Date.parse(at)) throw new RuleError('invalid_until', '"until" must be a time in the future (ISO 8601).');
    if (end - Date.parse(at) > maxMs) throw new RuleError('invalid_until', `A consent lasts at most ${MAX_CONSENT_DAYS} days.`);
  }
  return {
    id,
    ticket: t.key,
    site: t.site,
    product: t.product,
    engineer: engineerId,
    action,
    resource: r,
    reason,
    once: input.once ?? true,
    ...(input.duration !== undefined ? { duration: input.duration } : { until: new Date(Date.parse(input.until!)).toISOString() }),
    state: 'pending',
    createdAt: at,
    version: 1,
  };
}

export type ChangeRequestEvent =
  | { type: 'approve'; by: string; at: string; guardRequired: boolean; grantId: string }
  | { type: 'guard_approve'; by: string; at: string }
  | { type: 'guard_deny'; by: string; at: string }
  | { type: 'decline'; by: string; at: string; message?: string }
  | { type: 'use'; at: string }
  | { type: 'end'; at: string; reason: 'grant_revoked' | 'ticket_closed' };

/** When a consent taking effect at `at` ends; RuleError `consent_expired` when its `until` has passed. */
function endOf(c: ChangeRequest, at: string): string {
  const end = c.until !== undefined ? Date.parse(c.until) : Date.parse(at) + durationMs(c.duration!);
  if (end <= Date.parse(at)) throw new RuleError('consent_expired', `The change was asked for until ${c.until}, which has passed; Support must ask again.`);
  return new Date(end).toISOString();
}

/** The next state of a change request; an illegal event throws RuleError `illegal_transition` (or `guard_self_decision`, `consent_expired`). */
export function applyChangeRequestEvent(c: ChangeRequest, e: ChangeRequestEvent): ChangeRequest {
  const illegal = (why: string): never => {
    throw new RuleError('illegal_transition', `Change request ${c.id} is ${c.state.replaceAll('_', ' ')}: ${why}`);
  };
  const next = { ...c, version: c.version + 1 };
  switch (e.type) {
    case 'approve':
      if (c.state !== 'pending') illegal('only a pending change request can be approved.');
      return e.guardRequired
        ? { ...next, state: 'pending_guard_approval', approvedBy: e.by, approvedAt: e.at, grantId: e.grantId }
        : { ...next, state: 'approved', approvedBy: e.by, approvedAt: e.at, grantId: e.grantId, endsAt: endOf(c, e.at) };
    case 'guard_approve':
    case 'guard_deny':
      if (c.state !== 'pending_guard_approval') illegal('only a change waiting on Guard can be approved or denied by Guard.');
      if (e.by === c.approvedBy) throw new RuleError('guard_self_decision', `The Guard decision on change request ${c.id} must come from someone other than the admin who approved it.`);
      return e.type === 'guard_approve'
        ? { ...next, state: 'approved', guardDecidedBy: e.by, guardDecidedAt: e.at, endsAt: endOf(c, e.at) }
        : { ...next, state: 'declined', guardDecidedBy: e.by, guardDecidedAt: e.at };
    case 'decline':
      if (c.state !== 'pending' && c.state !== 'pending_guard_approval') illegal('only a change waiting on a decision can be declined.');
      return { ...next, state: 'declined', declinedBy: e.by, declinedAt: e.at, ...(e.message ? { message: e.message } : {}) };
    case 'use':
      if (c.state !== 'approved' || !c.once) illegal('only an approved one-time consent is used up.');
      return { ...next, state: 'used', usedAt: e.at };
    case 'end':
      if (!isLiveChangeRequest(c)) illegal('it is already over.');
      return { ...next, state: 'ended', endedAt: e.at, endReason: e.reason };
  }
}

/** Revoking the ticket's grant or closing it ends every change request still waiting or in effect; returns only those changed. */
export function endChangeRequests(requests: ChangeRequest[], at: string, reason: 'grant_revoked' | 'ticket_closed'): ChangeRequest[] {
  return requests.filter(isLiveChangeRequest).map((c) => applyChangeRequestEvent(c, { type: 'end', at, reason }));
}

/** Who may approve or decline a change on a ticket: exactly who may grant for it (same answer, same causes). */
export function consentEligibility(ix: WorldIndex, userId: string, ticketKey: string): Eligibility {
  return grantEligibility(ix, userId, ticketKey);
}

export interface ChangeDecision extends AccessDecision {
  /** The consent that allowed it. */
  consentId?: string;
  /** The consent is used up by this check (a `once` consent): consume it with the check's audit row. */
  consumes?: boolean;
}

const deny = (reason: string): ChangeDecision => ({ allowed: false, reason });

/**
 * The enforcement decision for an action: `read` as engineerAccessDecision; `change_permissions`
 * under an active data grant on a permission-holding resource; any other action only under an
 * approved consent to exactly that action on exactly this resource (canonical), under the active
 * grant it was approved under, before `endsAt`, and not used (`spent`: once consents already used
 * by earlier checks decided with this one). `resource` must be canonical; `at` is the check's time.
 */
export function changeAccessDecision(
  ix: WorldIndex,
  grants: Grant[],
  consents: ChangeRequest[],
  engineerId: string,
  ticketKey: string,
  resource: Resource,
  action: string | undefined,
  at: string,
  spent: ReadonlySet<string> = new Set(),
): ChangeDecision {
  const base = engineerAccessDecision(ix, grants, engineerId, ticketKey, resource);
  const kind = actionKind(action);
  if (kind === 'read') return base;
  if (resource.type === 'ai_conversation') return deny('AI conversations are read only: Support changes nothing in them.');
  if (!base.allowed) return deny(`${base.reason} Changes need an active data-access grant too.`);
  if (base.grantId === undefined) return deny('No active data-access grant.');
  const grantId = base.grantId;
  if (kind === 'change_permissions') {
    if (!PERMISSION_RESOURCE_TYPES.includes(resource.type))
      return deny(`Permission changes are made on ${PERMISSION_RESOURCE_TYPES.join(', ')}, not on a ${TYPE_WORDS[resource.type] ?? resource.type}.`);
    return { allowed: true, reason: `Permission change needed for access, under active grant ${grantId} on ${ticketKey}.`, grantId };
  }
  const what = changeWords(action!, resource);
  if (!resource.id) return deny(`No consent covers "${what}": a change names the one resource it changes.`);
  const mine = consents.filter((c) => c.ticket === ticketKey && c.engineer === engineerId && c.action === action && sameResource(c.resource, resource));
  const now = Date.parse(at);
  const live = mine.find((c) => c.state === 'approved' && c.grantId === grantId && c.endsAt !== undefined && now < Date.parse(c.endsAt) && !(c.once && spent.has(c.id)));
  if (live) {
    const how = live.once ? 'once' : `until ${live.endsAt}`;
    return { allowed: true, reason: `Consent ${live.id} (approved by ${live.approvedBy}) allows "${what}" ${how}.`, grantId, consentId: live.id, ...(live.once ? { consumes: true } : {}) };
  }
  // Say why the nearest consent does not count, newest first.
  const c = mine[mine.length - 1];
  if (!c) return deny(`No consent to "${what}" on ${ticketKey}.`);
  if (c.state === 'approved' && c.once && spent.has(c.id)) return deny(`Consent ${c.id} allowed "${what}" once and was used.`);
  if (c.state === 'approved' && c.grantId !== grantId) return deny(`Consent ${c.id} was given under grant ${c.grantId}, which is no longer the active grant.`);
  if (c.state === 'approved') return deny(`Consent ${c.id} to "${what}" ended at ${c.endsAt}.`);
  const why: Record<Exclude<ChangeRequestState, 'approved'>, string> = {
    pending: `Change request ${c.id} to "${what}" waits on an admin's consent.`,
    pending_guard_approval: `Change request ${c.id} to "${what}" waits on Guard approval.`,
    declined: `Change request ${c.id} to "${what}" was declined.`,
    used: `Consent ${c.id} allowed "${what}" once and was used at ${c.usedAt}.`,
    ended: `Consent ${c.id} to "${what}" ended when ${c.endReason === 'ticket_closed' ? 'the ticket closed' : 'the grant was revoked'}.`,
  };
  return deny(why[c.state]);
}
