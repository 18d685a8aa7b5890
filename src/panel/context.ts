// The ticket context the content script found on the page, read from this frame's URL hash.
// Page-derived and untrusted: rendered as text, and never used to decide anything.
export interface PanelContext {
  key: string;
  product: string;
  productName: string;
  siteUrl: string;
  siteHost: string;
  title: string | undefined;
}

export function readPanelContext(hash: string): PanelContext | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const key = params.get('key');
  const product = params.get('product');
  const site = params.get('site');
  if (!key || !product || !site) return undefined;
  let siteHost: string;
  try {
    siteHost = new URL(site).host;
  } catch {
    return undefined;
  }
  return { key, product, productName: params.get('productName') || product, siteUrl: site, siteHost, title: params.get('title') ?? undefined };
}
