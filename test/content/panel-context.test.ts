import { describe, expect, test } from 'vitest';
import { panelFrameUrl } from '../../src/content/features/ticket-panel';
import { readPanelContext } from '../../src/panel/context';

describe('ticket context handed to the panel frame', () => {
  test('round-trips through the frame URL hash, hostile strings included', () => {
    const url = panelFrameUrl('chrome-extension://abc/src/panel/index.html', {
      key: 'PS-105', title: '<img src=x onerror=alert(1)> & #hash', productName: 'Jira Service Management',
      product: 'jira-service-management', siteUrl: 'https://acme.atlassian.net',
    });
    expect(readPanelContext(new URL(url).hash)).toEqual({
      key: 'PS-105', title: '<img src=x onerror=alert(1)> & #hash', productName: 'Jira Service Management',
      product: 'jira-service-management', siteUrl: 'https://acme.atlassian.net', siteHost: 'acme.atlassian.net',
    });
  });

  test('a missing or malformed context is absent, not guessed', () => {
    expect(readPanelContext('')).toBeUndefined();
    expect(readPanelContext('#key=PS-1&product=jira&site=not a url')).toBeUndefined();
  });
});
