import { describe, expect, test } from 'vitest';
import { panelFrameUrl } from '../../src/content/features/ticket-panel';
import { readPanelContext } from '../../src/panel/context';

describe('ticket context handed to the panel frame', () => {
  test('round-trips through the frame URL hash, hostile strings included', () => {
    const url = panelFrameUrl('chrome-extension://abc/src/panel/index.html', 'PS-105', {
      key: 'PS-105',
      title: '<img src=x onerror=alert(1)> & #hash',
      productName: 'Jira Service Management',
      product: 'jira-service-management',
      siteUrl: 'https://acme.atlassian.net',
    });
    expect(readPanelContext(new URL(url).hash)).toEqual({
      key: 'PS-105',
      title: '<img src=x onerror=alert(1)> & #hash',
      productName: 'Jira Service Management',
      product: 'jira-service-management',
      siteUrl: 'https://acme.atlassian.net',
      siteHost: 'acme.atlassian.net',
      unreadable: false,
      docked: false,
    });
  });

  test('the URL key alone is enough; a page that said nothing is marked unreadable, a docked panel docked', () => {
    const url = panelFrameUrl('chrome-extension://abc/src/panel/index.html', 'PS-101', {}, { docked: true });
    expect(readPanelContext(new URL(url).hash)).toEqual({ key: 'PS-101', title: undefined, unreadable: true, docked: true });
    const siteOnly = panelFrameUrl('chrome-extension://abc/src/panel/index.html', 'PS-101', { siteUrl: 'https://acme.atlassian.net' });
    expect(readPanelContext(new URL(siteOnly).hash)).toMatchObject({ key: 'PS-101', siteHost: 'acme.atlassian.net', unreadable: false });
    expect(readPanelContext(new URL(siteOnly).hash)?.product).toBeUndefined();
  });

  test('a missing or malformed context is absent, not guessed', () => {
    expect(readPanelContext('')).toBeUndefined();
    expect(readPanelContext('#key=not a key')).toBeUndefined();
    expect(readPanelContext('#key=PS-1&product=jira&site=not a url')?.siteUrl).toBeUndefined();
  });
});
