// Content script: reads the vendor page's context and places our frames. It holds no credentials
// and calls no API; privileged data and actions live in the extension pages it mounts.
import { startFeatures } from './feature-manager';
import { ticketPanel } from './features/ticket-panel';
import { consoleSupportAccess } from './features/console-support-access';
import { consoleAccessRequests } from './features/console-access-requests';
import { consoleAuditLog } from './features/console-audit-log';
import { consoleGuardApprovals } from './features/console-guard-approvals';
import { requestAccess } from './features/request-access';

startFeatures([ticketPanel, consoleSupportAccess, consoleAccessRequests, consoleAuditLog, consoleGuardApprovals, requestAccess], new AbortController().signal);
