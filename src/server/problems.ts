// Every refusal leaves as application/problem+json with a stable type; nothing else escapes.
import type { Context } from 'hono';
import { PROBLEMS, problemType, type ProblemKind } from '../api/problems';
import type { Cause } from '../core/index';

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

export function problemBody(p: HttpProblem, instance?: string): Record<string, unknown> {
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
