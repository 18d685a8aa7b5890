/// <reference types="vite/client" />
// The ticket-panel engineer's pending action (src/popup/pending-action.tsx) shows here once it exists.
const modules = import.meta.glob<{ PendingAction?: () => preact.JSX.Element | null }>('./pending-action.tsx', { eager: true });
const PendingAction = Object.values(modules)[0]?.PendingAction as (() => preact.JSX.Element | null) | undefined;

export function PendingActionSlot() {
  return PendingAction ? <PendingAction /> : null;
}
