// Service worker: the only holder of the API token and the only caller of the Access API.
import { browser } from '../shared-ext/browser';
browser.runtime.onInstalled.addListener(({ reason }) => {
  if (reason === 'install') void browser.runtime.openOptionsPage();
  // Open ticket and console tabs still run the previous version's content script: replace it.
  if (reason === 'update' || reason === 'install') void injectIntoOpenTabs();
});

// Nothing outside this extension may message it (externally_connectable is empty as well).
browser.runtime.onMessageExternal.addListener(() => Promise.resolve({ error: 'not_allowed' }));

import { registerAccountHandlers } from './handlers-account';
import { registerConsoleHandlers } from './handlers-console';
import { registerRoleHandlers } from './handlers-roles';
import { injectIntoOpenTabs } from './reinject';
import { registerPanelHandlers } from './handlers-panel';
import { registerPopupHandlers } from './handlers-popup';
import { ALARM, ensurePollAlarm, syncNow } from './inbox-sync';
import { ensureStream, listenForLivePorts } from './live-stream';
import { registerRequesterHandlers } from './handlers-requester';
import { registerConsentHandlers } from './handlers-consent';
import { listenForNotificationClicks } from './notifications';

registerConsoleHandlers();
registerRoleHandlers();
registerPanelHandlers();
registerPopupHandlers();
registerAccountHandlers();
registerRequesterHandlers();
registerConsentHandlers();
listenForLivePorts();
listenForNotificationClicks();
browser.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === ALARM) void syncNow();
});
void ensurePollAlarm();
// A new token means a new person: sync at once rather than at the next alarm.
browser.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && (changes.token || changes.apiBaseUrl || changes.signedInAt)) {
    void syncNow();
    ensureStream();
  }
});
