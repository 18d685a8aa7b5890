// The request-access frame's address: built from the page's URL and what the vendor page shows, and
// read back by the frame, which keeps a way back only to the same product on the same site.
import { describe, expect, test } from 'vitest';
import { requestFrameUrl } from '../../src/content/features/request-access';
import { readRequestContext } from '../../src/request/context';

const page = { productName: 'Confluence', account: { name: 'Oscar Reyes', email: 'oscar@partner.test' }, after: {} as Element };

describe('request-access frame context', () => {
  test('a demo product page names the vendor site and product; the frame reads them back', () => {
    const url = requestFrameUrl('chrome-extension://x/src/request/index.html', new URL('http://acme.localhost:4403/wiki?as=oscar'), page)!;
    expect(readRequestContext(new URL(url).hash)).toEqual({
      site: 'https://acme.atlassian.net',
      product: 'confluence',
      productName: 'Confluence',
      here: 'http://acme.localhost:4403/wiki?as=oscar',
      account: 'oscar@partner.test',
    });
  });

  test('no frame off a product page', () => {
    expect(requestFrameUrl('chrome-extension://x/r.html', new URL('http://support.localhost:4401/wiki'), page)).toBeUndefined();
    expect(requestFrameUrl('chrome-extension://x/r.html', new URL('https://acme.atlassian.net/admin'), page)).toBeUndefined();
  });

  test('a way back to another address, product or scheme is dropped; missing site or product is no context', () => {
    const hash = (here: string) => `#${new URLSearchParams({ site: 'https://acme.atlassian.net', product: 'confluence', productName: 'Confluence', here })}`;
    expect(readRequestContext(hash('https://evil.test/wiki'))?.here).toBeUndefined();
    expect(readRequestContext(hash('javascript:alert(1)'))?.here).toBeUndefined();
    expect(readRequestContext(hash('https://acme.atlassian.net/jira'))?.here).toBeUndefined();
    expect(readRequestContext(hash('https://acme-eu.atlassian.net/wiki'))?.here).toBeUndefined();
    expect(readRequestContext(hash('https://acme.atlassian.net/wiki/spaces/ENG'))?.here).toBe('https://acme.atlassian.net/wiki/spaces/ENG');
    expect(readRequestContext('#product=confluence')).toBeUndefined();
  });
});
