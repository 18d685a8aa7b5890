// Directory → Roles (issue 21): per site and product, who can grant Support access to the org's data
// and through which role or group, and changing it: assign a role to a person or a group, remove
// one. Every change is the API's (org admins only), through the click guard, and the next decision
// everywhere sees it. Someone the API does not let see this gets its answer, not controls.
import { useEffect, useState } from 'preact/hooks';
import type { DirectorySitesWire, GrantorListWire, RoleAssignmentWire } from '../api/directory-schemas';
import type { RoleName } from '../core/index';
import { useActionKeys } from '../shared-ext/action-keys';
import { useSettledAction } from '../shared-ext/use-settled';
import { parkedText } from '../shared-ext/guarded-button';
import { callBackground, type ActionResult, type ClickEvidence } from '../shared-ext/messages';
import { followChanges } from '../shared-ext/live';
import { AssignRoleForm } from './role-assign-form';
import { FlaggedGrants } from './flagged-grants';
import { GrantorRows, GroupRows, type PlaceNames } from './role-rows';
import type { RolePlace } from '../shared-ext/role-words';
import { Status, useLive } from './use-live';

export type RoleResult = { kind: 'ok' | 'error' | 'parked'; text: string };

export function Roles() {
  const sites = useLive(() => callBackground('getDirectorySites'));
  const [pick, setPick] = useState<{ site?: string; product?: string }>({});
  const list = sites.value?.sites ?? [];
  const site = list.find((s) => s.id === pick.site) ?? list[0];
  const product = site?.products.find((p) => p.key === pick.product) ?? site?.products[0];

  if (!sites.value) return <Status state={sites} />;
  if (!site || !product) return <p class="note">Your organization has no sites with products yet.</p>;
  return (
    <>
      <p class="note">
        Who can grant Atlassian Support access to your data, per site and product, and through which role or group. A change here is seen by the very next decision, everywhere; grants made before it
        stay until someone revokes them.
      </p>
      <fieldset class="filters" aria-label="Site and product">
        <label class="small" for="roles-site">
          Site
        </label>
        <select id="roles-site" value={site.id} onChange={(e) => setPick({ site: e.currentTarget.value })}>
          {list.map((s) => (
            <option key={s.id} value={s.id}>
              {hostOf(s.url)}
              {s.status === 'pending_deletion' ? ' (pending deletion)' : ''}
            </option>
          ))}
        </select>
        <label class="small" for="roles-product">
          Product
        </label>
        <select id="roles-product" value={product.key} onChange={(e) => setPick({ site: site.id, product: e.currentTarget.value })}>
          {site.products.map((p) => (
            <option key={p.key} value={p.key}>
              {p.name}
            </option>
          ))}
        </select>
      </fieldset>
      <WhoCanGrant key={`${site.id}/${product.key}`} sites={sites.value} site={site.id} product={product.key} />
      <FlaggedGrants />
    </>
  );
}

const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

function WhoCanGrant({ sites, site, product }: { sites: DirectorySitesWire; site: string; product: string }) {
  const [grantors, setGrantors] = useState<{ value?: GrantorListWire; error?: string; loading: boolean }>({ loading: true });
  const [assignments, setAssignments] = useState<Map<string, RoleAssignmentWire>>(new Map());
  const [result, setResult] = useState<RoleResult | undefined>();
  // A change parked for the popup: what to say once the popup confirms (or dismisses) it.
  const [parked, setParked] = useState<{ pendingId: string; done: string } | undefined>();
  const keys = useActionKeys();
  useSettledAction(parked?.pendingId, (settled) => {
    setParked(undefined);
    if (settled.result.outcome === 'dismissed') setResult({ kind: 'error', text: 'Dismissed in the toolbar popup: nothing was changed.' });
    else setResult({ kind: 'ok', text: parked?.done ?? 'Done in the toolbar popup.' });
    load();
  });
  const names: PlaceNames = {
    product: (key) => sites.sites.find((s) => s.id === site)?.products.find((p) => p.key === key)?.name ?? key,
    site: (id) => hostOf(sites.sites.find((s) => s.id === id)?.url ?? id),
  };
  const here = `${names.product(product)} on ${names.site(site)}`;

  function load() {
    setGrantors((g) => ({ ...g, loading: true }));
    callBackground('getGrantors', { site, product }).then(
      (value) => setGrantors({ value, loading: false }),
      (e: Error) => setGrantors((g) => ({ ...g, error: e.message, loading: false })),
    );
    // The assignments say exactly what a removal takes away (a contact listed for several products loses all of them).
    callBackground('getRoleAssignments').then(
      ({ assignments: all }) => setAssignments(new Map(all.map((a) => [a.id, a]))),
      () => setAssignments(new Map()),
    );
  }
  useEffect(() => {
    load();
    const page = new AbortController();
    followChanges(() => load(), page.signal);
    return () => page.abort();
  }, [site, product]);

  async function change(action: string, ask: (idempotencyKey: string) => Promise<ActionResult>, done: string): Promise<boolean> {
    try {
      const out = await keys.run(action, ask);
      if (out.outcome === 'parked') {
        setParked({ pendingId: out.pendingId, done });
        setResult({ kind: 'parked', text: parkedText(out.reason) });
        return false;
      }
      setResult({ kind: 'ok', text: done });
      load();
      return true;
    } catch (e) {
      setResult({ kind: 'error', text: (e as Error).message });
      return false;
    }
  }

  const remove = (a: { id: string; words: string }, click: ClickEvidence) =>
    change(`role-remove:${a.id}`, (idempotencyKey) => callBackground('removeRole', { id: a.id, idempotencyKey, click }), `Removed ${a.words}.`);
  const assign = (holder: { user?: string; group?: string; name: string }, place: RolePlace, words: string, click: ClickEvidence) => {
    const action = `role-assign:${JSON.stringify([holder.user ?? '', holder.group ?? '', place])}`;
    const assignment = { ...(holder.user ? { user: holder.user } : { group: holder.group }), ...place };
    return change(action, (idempotencyKey) => callBackground('assignRole', { assignment, idempotencyKey, click }), `Gave ${words}.`);
  };

  const g = grantors.value;
  return (
    <section aria-labelledby="grantors-heading">
      <h2 id="grantors-heading">Who can grant for {here}</h2>
      <Status state={grantors} />
      {g && !g.siteAcceptsGrants && <p class="note warn">This site is pending deletion: nobody can grant Support access on it, whatever their role.</p>}
      {g?.guardRestricted && <p class="note">This site has Guard restrictions: every grant here waits for a Guard admin's approval before Support gets in.</p>}
      {g && (
        <p class="small" role="status">
          {g.total === 0 ? 'Nobody can grant here.' : `${g.total.toLocaleString('en-US')} ${g.total === 1 ? 'person' : 'people'} can grant here`}
          {g.total > g.grantors.length ? `; showing the ${g.grantors.length} most relevant (strongest role first, own roles before a group's).` : g.total > 0 ? '.' : ''}
        </p>
      )}
      {g && g.grantors.length > 0 && <GrantorRows list={g} assignments={assignments} names={names} remove={remove} />}
      {g && g.groups.length > 0 && <GroupRows list={g} assignments={assignments} names={names} remove={remove} />}
      {result && (
        <p class={`result ${result.kind}`} role="status">
          {result.text}
        </p>
      )}
      <AssignRoleForm experience={sites.userManagement} site={site} product={product} names={names} here={here} assign={assign} />
    </section>
  );
}

export type { RoleName };
