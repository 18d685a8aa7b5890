// The roles page's two tables: the people who can grant (each with their strongest role and whether
// it is their own or a group's) and the groups holding a granting role. Removing a role asks first,
// saying exactly what goes (a contact listed for several products loses all of them), then acts
// through GuardedButton with its keyboard confirmation.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { GrantorListWire, RoleAssignmentWire } from '../api/directory-schemas';
import { GuardedButton } from '../shared-ext/guarded-button';
import type { ClickEvidence } from '../shared-ext/messages';
import { roleReachWords, roleTitle } from '../shared-ext/role-words';

export interface PlaceNames {
  product: (key: string) => string;
  site: (id: string) => string;
}

type Remove = (a: { id: string; words: string }, click: ClickEvidence) => Promise<boolean>;

/** "Priya Raman's Product admin role of Confluence on acme.atlassian.net". */
function assignmentWords(holder: string, a: RoleAssignmentWire | undefined, fallbackRole: string, names: PlaceNames): string {
  if (!a) return `${holder}'s ${fallbackRole} role`;
  return `${holder}'s ${roleTitle(a.role)} role ${roleReachWords(a, names.product, names.site)}`;
}

export function GrantorRows({ list, assignments, names, remove }: { list: GrantorListWire; assignments: Map<string, RoleAssignmentWire>; names: PlaceNames; remove: Remove }) {
  return (
    <table aria-label="People who can grant">
      <thead>
        <tr>
          <th scope="col">Person</th>
          <th scope="col">Role</th>
          <th scope="col">Through</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {list.grantors.map((p) => {
          const a = assignments.get(p.via.assignment);
          return (
            <tr key={`${p.userId}`} data-user={p.userId}>
              <td>
                <strong>{p.name}</strong>
                <div class="small">{p.email}</div>
              </td>
              <td>
                {roleTitle(p.role)}
                {a && <div class="small">{roleReachWords(a, names.product, names.site)}</div>}
              </td>
              <td>{p.via.kind === 'group' ? `Group “${p.via.groupName}”` : 'Their own role'}</td>
              <td>
                {p.via.kind === 'person' && p.via.assignment ? (
                  <RemoveControl id={p.via.assignment} label={`Remove ${p.name}'s role…`} words={assignmentWords(p.name, a, roleTitle(p.role), names)} remove={remove} />
                ) : (
                  <span class="small">Change it in the group below</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function GroupRows({ list, assignments, names, remove }: { list: GrantorListWire; assignments: Map<string, RoleAssignmentWire>; names: PlaceNames; remove: Remove }) {
  return (
    <>
      <h3 id="groups-heading">Groups that bring people in</h3>
      <table aria-labelledby="groups-heading">
        <thead>
          <tr>
            <th scope="col">Group</th>
            <th scope="col">Role</th>
            <th scope="col">People</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.groups.map((g) => {
            const a = assignments.get(g.assignment);
            const people = `${g.members.toLocaleString('en-US')} ${g.members === 1 ? 'person' : 'people'}`;
            return (
              <tr key={g.assignment || `${g.group}/${g.role}`} data-group={g.group}>
                <td>
                  <strong>{g.name}</strong>
                </td>
                <td>
                  {roleTitle(g.role)}
                  {a && <div class="small">{roleReachWords(a, names.product, names.site)}</div>}
                </td>
                <td>{people}</td>
                <td>
                  {g.assignment && (
                    <RemoveControl
                      id={g.assignment}
                      label={`Remove the ${roleTitle(g.role)} role from ${g.name}…`}
                      words={`${assignmentWords(`the group “${g.name}”`, a, roleTitle(g.role), names)} (${people} lose it unless they hold it otherwise)`}
                      remove={remove}
                    />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

/** "Remove…" opens a question in the row; its GuardedButton removes, Cancel (focused first) closes it. */
function RemoveControl({ id, label, words, remove }: { id: string; label: string; words: string; remove: Remove }) {
  const [asking, setAsking] = useState(false);
  const ask = useRef<HTMLButtonElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const was = useRef(false);
  // Focus goes to Cancel when the question opens (a second Enter must not remove) and back to
  // "Remove…" when it closes, so keyboard and screen-reader users keep their place.
  useEffect(() => {
    if (asking) cancel.current?.focus();
    else if (was.current) ask.current?.focus();
    was.current = asking;
  }, [asking]);
  const qid = `remove-${id}`;
  if (!asking)
    return (
      <button type="button" ref={ask} aria-label={label} onClick={() => setAsking(true)}>
        Remove…
      </button>
    );
  return (
    <fieldset aria-labelledby={qid} class="confirm">
      <p id={qid} class="small">
        Remove {words}? They can no longer grant through it from the next decision on; grants they made stay.
      </p>
      <div class="actions" style="margin:0">
        <GuardedButton
          class="danger"
          confirm={`Remove ${words}`}
          act={(click) =>
            void remove({ id, words }, click).then((ok) => {
              if (ok) setAsking(false);
            })
          }
        >
          Remove role
        </GuardedButton>
        <button type="button" ref={cancel} onClick={() => setAsking(false)}>
          Cancel
        </button>
      </div>
    </fieldset>
  );
}
