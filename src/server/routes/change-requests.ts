// Change requests: Support asks for consent to one change on a ticket; admins who may grant for it
// approve or decline; Guard admins decide those held for Guard. The enforcement point that honours
// the consents is POST /v1/access/check (tickets.ts).
import { Hono } from 'hono';
import { ROUTES } from '../../api/contract';
import { changeRequestEtag, changeRequestsOf, changeRequestWire, createChangeRequest, decideChangeRequest, guardDecideChangeRequest, readableChangeRequest } from '../changes-service';
import type { ServerContext } from '../context';
import { callerOf, jsonBody, pathParam, withEtag, on, type Env } from '../http';
import { readableTicket } from '../views';

export function changeRequestRoutes(s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();

  on(r, ROUTES.createChangeRequest, async (c) => {
    const body = await jsonBody(c, ROUTES.createChangeRequest.body);
    const cr = await createChangeRequest(s, callerOf(c), pathParam(c, 'key'), body);
    withEtag(c, changeRequestEtag(cr));
    c.header('Location', `/v1/change-requests/${cr.id}`);
    return c.json(changeRequestWire(cr), 201);
  });

  on(r, ROUTES.ticketChangeRequests, async (c) => {
    const t = await readableTicket(s, s.db, callerOf(c), pathParam(c, 'key'));
    return c.json(await changeRequestsOf(s, t));
  });

  on(r, ROUTES.changeRequest, async (c) => {
    const cr = await readableChangeRequest(s, callerOf(c), pathParam(c, 'id'));
    withEtag(c, changeRequestEtag(cr));
    return c.json(changeRequestWire(cr));
  });

  on(r, ROUTES.approveChangeRequest, async (c) => {
    await jsonBody(c, ROUTES.approveChangeRequest.body);
    const cr = await decideChangeRequest(s, callerOf(c), pathParam(c, 'id'), 'approve', undefined, c.req.header('if-match'));
    withEtag(c, changeRequestEtag(cr));
    return c.json(changeRequestWire(cr));
  });

  on(r, ROUTES.declineChangeRequest, async (c) => {
    const body = await jsonBody(c, ROUTES.declineChangeRequest.body);
    const cr = await decideChangeRequest(s, callerOf(c), pathParam(c, 'id'), 'decline', body.message, c.req.header('if-match'));
    withEtag(c, changeRequestEtag(cr));
    return c.json(changeRequestWire(cr));
  });

  on(r, ROUTES.guardDecideChangeRequest, async (c) => {
    const body = await jsonBody(c, ROUTES.guardDecideChangeRequest.body);
    const cr = await guardDecideChangeRequest(s, callerOf(c), pathParam(c, 'id'), body.decision, c.req.header('if-match'));
    withEtag(c, changeRequestEtag(cr));
    return c.json(changeRequestWire(cr));
  });

  return r;
}
