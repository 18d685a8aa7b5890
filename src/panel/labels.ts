// Words an admin reads: role and state names.
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

export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}

export function when(iso: string | undefined): string {
  if (!iso) return '';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export const hostOf = (url: string | undefined) => { try { return url ? new URL(url).host : ''; } catch { return url ?? ''; } };

export const ACTION_LABEL: Record<string, string> = {
  access_check: 'Opened',
  'access.check': 'Opened',
};
