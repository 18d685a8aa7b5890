// Content script: reads the vendor page's context and places our frames. It holds no credentials
// and calls no API; privileged data and actions live in the extension pages it mounts.
import { startFeatures } from './feature-manager';
import { ticketPanel } from './features/ticket-panel';

startFeatures([ticketPanel], new AbortController().signal);
