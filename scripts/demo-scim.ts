// `npm start`'s SCIM demo (demo/CASES.md, "Provisioning by SCIM"): a fresh `scim` key for the demo
// org, made by its org admin through the API like any key (the one from the previous start is
// deleted first, so keys do not pile up across restarts), and a group "Jira admins" holding the
// Jira product-admin role on acme-main, so that adding a person to it over SCIM visibly makes them
// someone who can grant. Everything goes through the public API; nothing is written behind it.

export const DEMO_SCIM_KEY_NAME = 'Demo identity provider (npm start)';
const GROUP_NAME = 'Jira admins';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface DemoScim {
  key: string;
  groupId: string;
  /** One line that adds `person` to the group over SCIM. */
  addCurl: string;
  /** One line that takes them out again. */
  removeCurl: string;
}

/**
 * Makes the demo key and group on the API at `apiUrl`, acting as the org admin `adminToken`.
 * @throws Error with the API's answer when a step is refused.
 */
export async function setUpDemoScim(apiUrl: string, adminToken: string, person: string): Promise<DemoScim> {
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${apiUrl}${path}`, { method, headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const keys = (await expectOk(await admin('GET', '/v1/api-keys'), 'list API keys')) as { keys: Array<{ id: string; name: string }> };
  for (const old of keys.keys.filter((k) => k.name === DEMO_SCIM_KEY_NAME)) await expectOk(await admin('DELETE', `/v1/api-keys/${old.id}`), 'delete the previous demo key');
  const { secret: key } = (await expectOk(await admin('POST', '/v1/api-keys', { name: DEMO_SCIM_KEY_NAME, scopes: ['scim'] }), 'make the demo SCIM key')) as { secret: string };

  const scim = (method: string, path: string, body?: unknown) =>
    fetch(`${apiUrl}/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const found = (await expectOk(await scim('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${GROUP_NAME}"`)}&excludedAttributes=members`), 'look up the demo group')) as {
    Resources: Array<{ id: string }>;
  };
  let groupId = found.Resources[0]?.id;
  if (!groupId) {
    groupId = ((await expectOk(await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: GROUP_NAME }), 'make the demo group')) as { id: string }).id;
    await expectOk(await admin('POST', '/v1/role-assignments', { group: groupId, role: 'product_admin', site: 'acme-main', product: 'jira' }), 'give the demo group its role');
  }
  const curl = (op: unknown) =>
    `curl -X PATCH ${apiUrl}/scim/v2/Groups/${groupId} -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/scim+json' -d '${JSON.stringify({ schemas: [PATCH_SCHEMA], Operations: [op] })}'`;
  return {
    key,
    groupId,
    addCurl: curl({ op: 'add', path: 'members', value: [{ value: person }] }),
    removeCurl: curl({ op: 'remove', path: `members[value eq "${person}"]` }),
  };
}

async function expectOk(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  if (!res.ok) throw new Error(`could not ${what}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}
