// What a person asked the background to do (grant, revoke, decide…), before it is done or parked:
// a parked action (PendingAction) is this plus why it was parked and what the popup says it does.
import type { PendingAction } from '../shared-ext/ticket-view';

export type Intent = Omit<PendingAction, 'id' | 'label' | 'reason' | 'createdAt'>;
