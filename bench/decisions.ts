// Row 1: our engineer access decision vs Cedar evaluating equivalent policies, in-process, over the
// same generated world and request mix. Both engines must agree on every request, without Cedar
// evaluation errors, and every clause must decide some request, before any timing.
import { engineerAccessDecision, type Grant } from '../src/core/index';
import { cedar, cedarAllows, cedarCalls, cedarDecide, preparseAccessPolicies } from './decisions-cedar';
import { CLAUSES, decidedBy, decisionsWorld, generateGrants, generateRequests, type Clause, type Req } from './decisions-world';
import { DECISIONS } from './lib/expected';
import { median, now, summarize, type Row } from './lib/stats';

export async function benchDecisions(quick: boolean): Promise<Row[]> {
  const ix = decisionsWorld(7);
  const grants = generateGrants(ix, 11);
  const reqs = generateRequests(ix, quick ? 2_000 : 20_000, 13);
  preparseAccessPolicies();
  const calls = cedarCalls(ix, grants, reqs);
  const none: Grant[] = [];
  const ours = (r: Req) => engineerAccessDecision(ix, grants.get(r.ticket) ?? none, r.engineer, r.ticket, r.resource).allowed;

  // Agreement on every request, before any timing; a Cedar evaluation error is a failure, not a deny.
  let allowed = 0;
  const covered = new Map<Clause, number>(CLAUSES.map((c) => [c, 0]));
  for (let i = 0; i < reqs.length; i++) {
    const a = ours(reqs[i]!);
    const b = cedarDecide(calls[i]!);
    const why = () => `${JSON.stringify(reqs[i])}\n${JSON.stringify(calls[i]!.entities)}`;
    if (b.errors.length) throw new Error(`Cedar evaluation errors on request ${i}: ${b.errors.join('; ')}\n${why()}`);
    if (a !== b.allow) throw new Error(`engines disagree on request ${i}: ours=${a} cedar=${b.allow}\n${why()}`);
    const by = decidedBy(ix, grants.get(reqs[i]!.ticket) ?? none, reqs[i]!);
    if (a !== by[0]!.startsWith('allowed')) throw new Error(`request ${i} was ${a ? 'allowed' : 'refused'} by both engines, but by the rules ${by.join(', ')}`);
    for (const c of by) covered.set(c, covered.get(c)! + 1);
    if (a) allowed++;
  }
  // A clause no request depends on is one the agreement check did not test.
  const untested = [...covered].filter(([, n]) => n === 0).map(([c]) => c);
  if (untested.length) throw new Error(`the request mix never turns on: ${untested.join(', ')}`);

  const rounds = quick ? 3 : 15;
  const oursRates: number[] = [];
  const cedarRates: number[] = [];
  const runOurs = () => {
    // Repeat so a round lasts long enough to time well; `sink` keeps the work observable.
    const reps = 20;
    let sink = 0;
    const t0 = now();
    for (let k = 0; k < reps; k++) for (const r of reqs) if (ours(r)) sink++;
    oursRates.push((reps * reqs.length) / ((now() - t0) / 1000));
    return sink;
  };
  const runCedar = () => {
    let sink = 0;
    const t0 = now();
    for (const c of calls) if (cedarAllows(c)) sink++;
    cedarRates.push(calls.length / ((now() - t0) / 1000));
    return sink;
  };
  runOurs();
  runCedar();
  oursRates.length = 0;
  cedarRates.length = 0; // warm-up
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      runOurs();
      runCedar();
    } else {
      runCedar();
      runOurs();
    }
  }
  const lat = (f: (i: number) => unknown, n: number) => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = now();
      f(i);
      xs.push((now() - t0) * 1000);
    }
    return summarize(xs);
  };
  const n = Math.min(reqs.length, quick ? 1_000 : 5_000);
  const ol = lat((i) => ours(reqs[i]!), n);
  const cl = lat((i) => cedarAllows(calls[i]!), n);
  const ourRate = median(oursRates);
  const cedarRate = median(cedarRates);
  const ratio = ourRate / cedarRate;
  const note = `${reqs.length} requests (${allowed} allowed), both engines agree on all with no Cedar evaluation errors; requests decided by each clause: ${[...covered].map(([c, k]) => `${c} ${k}`).join(', ')}; median of ${rounds} interleaved rounds; Cedar ${cedar.getCedarVersion()} via statefulIsAuthorized with pre-parsed policies and pre-built per-request entity slices (each ticket with all its grants)`;
  return [
    { ...DECISIONS.ours, value: ourRate, median: ol.median, p99: ol.p99, latencyUnit: 'µs', ratio, met: ratio >= 2, note },
    { ...DECISIONS.cedar, value: cedarRate, median: cl.median, p99: cl.p99, latencyUnit: 'µs' },
  ];
}
