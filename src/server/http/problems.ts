// Every refusal leaves as application/problem+json with a stable type; nothing else escapes.
import type { Context } from 'hono';
import { PROBLEMS, problemType, type ProblemKind } from '../../api/problems';
import { RuleError, type Cause } from '../../core/types';
import { DbUnavailable } from '../db/index';
import { StorageUnavailable } from '../db/storage-errors';

export class HttpProblem extends Error {
  constructor(
    readonly kind: ProblemKind,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly status: number = PROBLEMS[kind].status,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? PROBLEMS[kind].title);
    this.name = 'HttpProblem';
  }
}

export const problem = (kind: ProblemKind, detail?: string, extra?: Record<string, unknown>) => new HttpProblem(kind, detail, extra);
export const notEligible = (detail: string, causes: Cause[]) => new HttpProblem('not-eligible', detail, { causes });

/**
 * How a rule's refusal (a RuleError from src/core, by its code) is answered: `code` says whether the
 * problem carries the rule's code. A code not listed is a 422 `request-refused` with its code.
 */
const RULE_PROBLEMS: Readonly<Record<string, { kind: ProblemKind; code: boolean }>> = {
  illegal_transition: { kind: 'illegal-transition', code: false },
  guard_self_decision: { kind: 'forbidden', code: true },
  not_reviewer: { kind: 'forbidden', code: true },
  self_review: { kind: 'forbidden', code: true },
  ambiguous_resource: { kind: 'bad-request', code: true },
  unknown_ticket: { kind: 'not-found', code: false },
  unknown_user: { kind: 'not-found', code: false },
};

/** The problem a rule's refusal is answered with (see RULE_PROBLEMS). */
export function ruleProblem(e: RuleError): HttpProblem {
  const known = Object.hasOwn(RULE_PROBLEMS, e.code) ? RULE_PROBLEMS[e.code] : undefined;
  if (!known) return problem('request-refused', e.message, { code: e.code });
  return problem(known.kind, e.message, known.code ? { code: e.code } : undefined);
}

/**
 * The one route-level mapping of what a route or service threw to the problem it is answered with:
 * an HttpProblem as it is, a RuleError by ruleProblem; undefined for anything else (a failure, 5xx).
 */
export function asProblem(e: unknown): HttpProblem | undefined {
  if (e instanceof HttpProblem) return e;
  if (e instanceof RuleError) return ruleProblem(e);
  return undefined;
}

/**
 * What any error a request met is answered with, but an unexpected failure (undefined: a 500 that
 * is logged): a problem or rule refusal (asProblem), a storage failure or an unreachable database
 * (503), or a value PostgreSQL cannot hold (class 22 data exceptions: a NUL byte, an out-of-range
 * number), which is bad input (400).
 */
export function errorProblem(err: unknown): HttpProblem | undefined {
  const refusal = asProblem(err);
  if (refusal) return refusal;
  if (err instanceof StorageUnavailable) return storageProblem(err);
  if (err instanceof DbUnavailable) return new HttpProblem('db-unavailable', 'The database is unavailable; retry shortly.', {}, 503, { 'Retry-After': '1' });
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('22')) return new HttpProblem('bad-request', 'The request contains a value the store cannot hold.');
  return undefined;
}

/** The 503 for a storage failure: what failed, and whether this request may have been kept. */
function storageProblem(e: StorageUnavailable): HttpProblem {
  const detail = e.fenced
    ? `${e.message}. What it wrote since its last good sync may be lost, so it accepts nothing more until it is restarted on working storage; whether this request was kept is not known: retry it with the same Idempotency-Key after the restart.`
    : `${e.message}. Nothing of this request was kept; retry once the storage has room.`;
  return new HttpProblem('storage-unavailable', detail, {}, 503, e.fenced ? {} : { 'Retry-After': '30' });
}

function problemBody(p: HttpProblem, instance?: string): Record<string, unknown> {
  return { type: problemType(p.kind), title: PROBLEMS[p.kind].title, status: p.status, ...(p.detail ? { detail: p.detail } : {}), ...(instance ? { instance } : {}), ...p.extra };
}

export function problemResponse(c: Context, p: HttpProblem): Response {
  const headers: Record<string, string> = { 'content-type': 'application/problem+json', ...p.headers };
  return new Response(JSON.stringify(problemBody(p, safePath(c))), { status: p.status, headers });
}

function safePath(c: Context): string | undefined {
  try {
    return new URL(c.req.url).pathname.slice(0, 300);
  } catch {
    return undefined;
  }
}
