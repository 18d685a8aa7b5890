// Words an admin reads: role and state names.
import { ago, when as formatWhen } from '../shared-ext/format';

export { ago };

export const ROLE_LABEL: Record<string, string> = {
  org_admin: 'Organization admin',
  site_admin: 'Site admin',
  product_admin: 'Product admin',
  trusted_user: 'Trusted user',
  billing_admin: 'Billing admin',
  billing_contact: 'Billing contact',
  technical_contact: 'Technical contact',
  user_access_admin: 'User access admin',
  guard_admin: 'Guard admin',
};

export const roleLabel = (role: string | null | undefined) => (role ? ROLE_LABEL[role] ?? role.replace(/_/g, ' ') : '');

/** A date-time for a sentence: empty when there is none (the sentence leaves it out). */
export function when(iso: string | undefined): string {
  return iso ? formatWhen(iso) : '';
}

export const hostOf = (url: string | undefined) => { try { return url ? new URL(url).host : ''; } catch { return url ?? ''; } };

export const ACTION_LABEL: Record<string, string> = {
  access_check: 'Opened',
  'access.check': 'Opened',
};
