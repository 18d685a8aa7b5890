// Service worker. Later issues add the typed message map, API sync, cache, badge and notifications;
// it will be the only holder of the API token.
chrome.runtime.onInstalled.addListener(({ reason }) => {
  if (reason === chrome.runtime.OnInstalledReason.INSTALL) void chrome.runtime.openOptionsPage();
});

// Nothing outside this extension may message it (externally_connectable is empty as well).
chrome.runtime.onMessageExternal.addListener((_message, _sender, sendResponse) => {
  sendResponse({ error: 'not_allowed' });
});

export {};
