// Change requests: Support asks for consent to one change on a ticket; admins who may grant for it
// approve or decline; Guard admins decide those held for Guard. The enforcement point that honours
// the consents is POST /v1/access/check (tickets.ts).
import { Hono } from 'hono';
import { ROUTES } from '../../api/contract';
import {
  changeRequestEtag,
  changeRequesterRefusal,
  changeRequestsOf,
  changeRequestWire,
  createChangeRequest,
  decideChangeRequest,
  guardDecideChangeRequest,
  readableChangeRequest,
} from './changes-service';
import { changeRequestById } from './change-requests-repository';
import { currentTicket } from './repository';
import { authorityPart, consenterRefusal, guardDeciderRefusal } from './rules';
import type { Caller } from '../http/auth';
import type { ServerContext } from '../context';
import { withEtag, type Env } from '../http/request';
import { TARGET, type RefusalName } from '../http/refusals';
import { route } from '../http/route';
import { readableTicket } from './views';

/** Handlers use the context the pipeline hands them (`s`, journal-aware under an Idempotency-Key). */
export function changeRequestRoutes(_s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();

  // Authority (route.ts): asked for by the ticket's engineer; decided by whoever may grant for its ticket; Guard's by Guard admins.
  const asking = async (s: ServerContext, caller: Caller, { params }: { params: Record<string, string> }) => changeRequesterRefusal(caller, params.key!, await currentTicket(s.db, s.ix, params.key!));
  const consenting = async (s: ServerContext, caller: Caller, { params }: { params: Record<string, string> }) => {
    const cr = await changeRequestById(s.db, params.id!);
    const t = cr && (await currentTicket(s.db, s.ix, cr.ticket));
    return t ? authorityPart(consenterRefusal(s, caller, t)) : undefined;
  };

  route(r, ROUTES.createChangeRequest, { refusal: { action: 'change_request.create', target: TARGET.ticket }, authority: asking }, async (c, { s, caller, body, params }) => {
    const cr = await createChangeRequest(s, caller, params.key, body);
    withEtag(c, changeRequestEtag(cr));
    c.header('Location', `/v1/change-requests/${cr.id}`);
    return c.json(changeRequestWire(cr), 201);
  });

  route(r, ROUTES.ticketChangeRequests, {}, async (c, { s, caller, params }) => {
    const t = await readableTicket(s, s.db, caller, params.key);
    return c.json(await changeRequestsOf(s, t));
  });

  route(r, ROUTES.changeRequest, {}, async (c, { s, caller, params }) => {
    const cr = await readableChangeRequest(s, caller, params.id);
    withEtag(c, changeRequestEtag(cr));
    return c.json(changeRequestWire(cr));
  });

  route(r, ROUTES.approveChangeRequest, { refusal: { action: 'change_request.approve', target: TARGET.changeRequest }, authority: consenting }, async (c, { s, caller, params }) => {
    const cr = await decideChangeRequest(s, caller, params.id, 'approve', undefined, c.req.header('if-match'));
    withEtag(c, changeRequestEtag(cr));
    return c.json(changeRequestWire(cr));
  });

  route(r, ROUTES.declineChangeRequest, { refusal: { action: 'change_request.decline', target: TARGET.changeRequest }, authority: consenting }, async (c, { s, caller, body, params }) => {
    const cr = await decideChangeRequest(s, caller, params.id, 'decline', body.message, c.req.header('if-match'));
    withEtag(c, changeRequestEtag(cr));
    return c.json(changeRequestWire(cr));
  });

  const guardRefusal: RefusalName = {
    action: (b) => (b.decision === 'approve' ? 'change_request.guard_approve' : b.decision === 'deny' ? 'change_request.guard_deny' : 'request.refused'),
    target: TARGET.changeRequest,
  };
  route(r, ROUTES.guardDecideChangeRequest, { refusal: guardRefusal, authority: (s, caller) => guardDeciderRefusal(s, caller, 'changes') }, async (c, { s, caller, body, params }) => {
    const cr = await guardDecideChangeRequest(s, caller, params.id, body.decision, c.req.header('if-match'));
    withEtag(c, changeRequestEtag(cr));
    return c.json(changeRequestWire(cr));
  });

  return r;
}
