// Content script: reads the vendor page's context and places our frames. It holds no credentials
// and calls no API; privileged data and actions live in the extension pages it mounts.
import { startFeatures, type Feature } from './feature-manager';
import { ticketPanel } from './features/ticket-panel';
import { consoleSupportAccess } from './features/console-support-access';
import { consoleAccessRequests } from './features/console-access-requests';
import { consoleAuditLog } from './features/console-audit-log';
import { consoleGuardApprovals } from './features/console-guard-approvals';
import { consoleApiKeys } from './features/console-api-keys';
import { consoleRoles } from './features/console-roles';
import { requestAccess } from './features/request-access';
import { requestFormConsent } from './features/request-form-consent';
import { checkAlive, watchExtensionContext } from './extension-context';

const features = new AbortController();
watchExtensionContext(features);
// After an update this old script may still see in-page navigations: it shows the update notice
// instead of running features against an extension that is gone.
const guarded = (f: Feature): Feature => ({ ...f, init: (signal) => (checkAlive() ? f.init(signal) : undefined) });
startFeatures(
  [ticketPanel, consoleSupportAccess, consoleAccessRequests, consoleAuditLog, consoleGuardApprovals, consoleApiKeys, consoleRoles, requestAccess, requestFormConsent].map(guarded),
  features.signal,
);
