// The enforcement decision: may this engineer read this resource of this ticket now?
// Only an active grant on that ticket, for the ticket's product on the ticket's site, allows it;
// AI conversations need an active AI conversation grant naming that conversation.
import type { WorldIndex } from './index-world';
import { RuleError, type Grant } from './types';

/**
 * What Support may read or change, by type. `workflow` (by name, optionally in a `project`) and
 * `project` (by key) are what changes name most ("update workflow 'Bug' in project PS").
 */
export const RESOURCE_TYPES = ['work_item', 'comment', 'attachment', 'page', 'user', 'group', 'permission_config', 'audit_log', 'admin_settings', 'ai_conversation', 'workflow', 'project'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export interface Resource {
  type: ResourceType;
  id?: string;
  site?: string;
  product?: string;
  conversation?: string;
  /** The project a workflow is named in (workflows only). */
  project?: string;
}

export interface AccessDecision {
  allowed: boolean;
  reason: string;
  grantId?: string;
}

const deny = (reason: string): AccessDecision => ({ allowed: false, reason });

/**
 * The resource as the decision reads it, and as its audit row records it: an AI conversation by
 * `conversation` alone, anything else by `id`, and site and product filled in from the ticket (what
 * the decision assumes when they are left out). Fields the decision would ignore are not dropped
 * silently but refused: RuleError `ambiguous_resource` when an `ai_conversation` names two
 * different conversations in `id` and `conversation`, another type carries `conversation`, or a
 * type other than `workflow` carries `project`. A consent to a change matches this form exactly.
 */
export function canonicalResource(ix: WorldIndex, ticketKey: string, resource: Resource): Resource {
  const t = ix.ticketsByKey.get(ticketKey);
  const site = resource.site ?? t?.site;
  const product = resource.product ?? t?.product;
  const where = { ...(site !== undefined ? { site } : {}), ...(product !== undefined ? { product } : {}) };
  if (resource.type === 'ai_conversation') {
    if (resource.id !== undefined && resource.conversation !== undefined && resource.id !== resource.conversation) {
      throw new RuleError('ambiguous_resource', `An ai_conversation names one conversation: id "${resource.id}" and conversation "${resource.conversation}" differ.`);
    }
    const conversation = resource.conversation ?? resource.id;
    return { type: resource.type, ...(conversation !== undefined ? { conversation } : {}), ...where };
  }
  if (resource.conversation !== undefined) throw new RuleError('ambiguous_resource', `Only an ai_conversation names a conversation, not a ${resource.type}.`);
  if (resource.project !== undefined && resource.type !== 'workflow') throw new RuleError('ambiguous_resource', `Only a workflow names the project it is in, not a ${resource.type}.`);
  return { type: resource.type, ...(resource.id !== undefined ? { id: resource.id } : {}), ...(resource.project !== undefined ? { project: resource.project } : {}), ...where };
}

export function engineerAccessDecision(ix: WorldIndex, grants: Grant[], engineerId: string, ticketKey: string, resource: Resource): AccessDecision {
  const t = ix.ticketsByKey.get(ticketKey);
  if (!t) return deny(`No ticket "${ticketKey}".`);
  if (!ix.engineersById.has(engineerId)) return deny(`No engineer "${engineerId}".`);
  if (t.engineer !== engineerId) return deny(`Ticket ${t.key} is assigned to another engineer.`);
  if (!RESOURCE_TYPES.includes(resource.type)) return deny(`Unknown resource type "${String(resource.type)}".`);
  if (t.status !== 'open') return deny(`Ticket ${t.key} is closed.`);
  const site = resource.site ?? t.site;
  const product = resource.product ?? t.product;
  if (site !== t.site) return deny(`Grants for ${t.key} never cover site "${site}".`);
  if (product !== t.product) return deny(`Grants for ${t.key} never cover product "${product}".`);
  if (!ix.productsBySiteKey.get(`${site}/${product}`)?.licensed) return deny(`Product "${product}" is not licensed on "${site}".`);
  if (ix.sitesById.get(site)?.status !== 'active') return deny(`Site "${site}" is pending deletion.`);

  const active = grants.filter((g) => g.state === 'active' && g.ticket === t.key && g.site === t.site && g.product === t.product);
  if (resource.type === 'ai_conversation') {
    const conversation = resource.conversation ?? resource.id;
    if (!conversation) return deny('An AI conversation must be named.');
    const g = active.find((x) => x.kind === 'ai_conversations' && (x.conversations ?? []).includes(conversation));
    return g
      ? { allowed: true, reason: `AI conversation grant ${g.id} names conversation ${conversation}.`, grantId: g.id }
      : deny(`No active AI conversation grant on ${t.key} names conversation ${conversation}.`);
  }
  const g = active.find((x) => x.kind === 'data');
  return g ? { allowed: true, reason: `Active grant ${g.id} on ${t.key}.`, grantId: g.id } : deny(`No active data-access grant on ${t.key}.`);
}
