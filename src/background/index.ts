// Service worker: the only holder of the API token and the only caller of the Access API.
chrome.runtime.onInstalled.addListener(({ reason }) => {
  if (reason === chrome.runtime.OnInstalledReason.INSTALL) void chrome.runtime.openOptionsPage();
  // Open ticket and console tabs still run the previous version's content script: replace it.
  if (reason === chrome.runtime.OnInstalledReason.UPDATE || reason === chrome.runtime.OnInstalledReason.INSTALL) void injectIntoOpenTabs();
});

// Nothing outside this extension may message it (externally_connectable is empty as well).
chrome.runtime.onMessageExternal.addListener((_message, _sender, sendResponse) => {
  sendResponse({ error: 'not_allowed' });
});

import { registerAccountHandlers } from './handlers-account';
import { registerConsoleHandlers } from './handlers-console';
import { injectIntoOpenTabs } from './reinject';
import { registerPanelHandlers } from './handlers-panel';
import { registerPopupHandlers } from './handlers-popup';
import { ALARM, ensurePollAlarm, syncNow } from './inbox-sync';
import { ensureStream, listenForLivePorts } from './live-stream';
import { registerRequesterHandlers } from './handlers-requester';
import { listenForNotificationClicks } from './notifications';

registerConsoleHandlers();
registerPanelHandlers();
registerPopupHandlers();
registerAccountHandlers();
registerRequesterHandlers();
listenForLivePorts();
listenForNotificationClicks();
chrome.alarms.onAlarm.addListener((alarm) => { if (alarm.name === ALARM) void syncNow(); });
void ensurePollAlarm();
// A new token means a new person: sync at once rather than at the next alarm.
chrome.storage.onChanged.addListener((changes, area) => { if (area === 'local' && (changes.token || changes.apiBaseUrl || changes.signedInAt)) { void syncNow(); ensureStream(); } });

