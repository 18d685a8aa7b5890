// "Give a role here" on the roles page: find a person or a group in the directory, pick one of the
// org's granting roles (each said with what it covers), and assign it through GuardedButton, whose
// keyboard confirmation names who gets which role where. The API validates it like the world file.
import { useEffect, useState } from 'preact/hooks';
import type { DirectoryLookupWire } from '../api/directory-schemas';
import type { RoleName, UserManagement } from '../core/index';
import { GuardedButton } from '../shared-ext/guarded-button';
import { callBackground, type ClickEvidence } from '../shared-ext/messages';
import type { PlaceNames } from './role-rows';
import { grantingRolesFor, placeFor, roleReachWords, roleTitle, type RolePlace } from '../shared-ext/role-words';

type Holder = { user?: string; group?: string; name: string };
type Assign = (holder: Holder, place: RolePlace, words: string, click: ClickEvidence) => Promise<boolean>;

/** How long typing must pause before the directory is searched (ms). */
const SEARCH_PAUSE_MS = 250;

export function AssignRoleForm(props: { experience: UserManagement; site: string; product: string; names: PlaceNames; here: string; assign: Assign }) {
  const roles = grantingRolesFor(props.experience);
  const [q, setQ] = useState('');
  const [found, setFound] = useState<DirectoryLookupWire | undefined>();
  const [lookupError, setLookupError] = useState<string | undefined>();
  const [who, setWho] = useState('');
  const [role, setRole] = useState<RoleName>(roles.find((r) => r === 'product_admin') ?? roles[0]!);

  useEffect(() => {
    const t = setTimeout(() => {
      callBackground('lookupDirectory', { q }).then(
        (r) => {
          setFound(r);
          setLookupError(undefined);
        },
        (e: Error) => setLookupError(e.message),
      );
    }, SEARCH_PAUSE_MS);
    return () => clearTimeout(t);
  }, [q]);

  // Deactivated people hold no role (DESIGN §6): they are not offered.
  const people = (found?.people ?? []).filter((p) => p.active);
  const groups = found?.groups ?? [];
  const holder: Holder | undefined = who.startsWith('user:')
    ? people.filter((p) => `user:${p.id}` === who).map((p) => ({ user: p.id, name: p.name }))[0]
    : who.startsWith('group:')
      ? groups.filter((g) => `group:${g.id}` === who).map((g) => ({ group: g.id, name: `the group “${g.name}”` }))[0]
      : undefined;
  const place = placeFor(role, props.site, props.product);
  const reach = (r: RoleName) => roleReachWords(placeFor(r, props.site, props.product), props.names.product, props.names.site);
  const words = holder ? `${holder.name} the ${roleTitle(role)} role ${reach(role)}` : '';

  return (
    <fieldset class="assign" aria-labelledby="assign-heading">
      <h3 id="assign-heading">Give a role for {props.here}</h3>
      <div class="field">
        <label for="assign-find">Find a person or group</label>
        <input id="assign-find" type="search" value={q} placeholder="Name, email or group" autocomplete="off" onInput={(e) => setQ(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="assign-who">Person or group</label>
        <select id="assign-who" value={who} onChange={(e) => setWho(e.currentTarget.value)}>
          <option value="">{people.length + groups.length === 0 ? 'Nobody matches' : 'Choose…'}</option>
          {people.length > 0 && (
            <optgroup label="People">
              {people.map((p) => (
                <option key={p.id} value={`user:${p.id}`}>
                  {p.name} ({p.email})
                </option>
              ))}
            </optgroup>
          )}
          {groups.length > 0 && (
            <optgroup label="Groups">
              {groups.map((g) => (
                <option key={g.id} value={`group:${g.id}`}>
                  {g.name} ({g.members.toLocaleString('en-US')} {g.members === 1 ? 'person' : 'people'})
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </div>
      {lookupError && (
        <p class="error" role="alert">
          {lookupError}
        </p>
      )}
      <div class="field">
        <label for="assign-role">Role</label>
        <select id="assign-role" value={role} onChange={(e) => setRole(e.currentTarget.value as RoleName)}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {roleTitle(r)} — {reach(r)}
            </option>
          ))}
        </select>
      </div>
      <div class="actions">
        <GuardedButton
          class="primary"
          disabled={!holder}
          title={holder ? undefined : 'Choose a person or group first'}
          confirm={holder ? `Give ${words}` : 'Choose a person or group first'}
          act={(click) => {
            if (holder) void props.assign(holder, place, words, click).then((ok) => ok && setWho(''));
          }}
        >
          Assign role
        </GuardedButton>
      </div>
    </fieldset>
  );
}
