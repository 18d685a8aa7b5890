// The controls our framed pages use for anything consequential. The background does an action only
// for a press it can vouch for (see visibility.ts for what the frame checks, and
// src/content/host-guard.ts for what the page around it is checked for); anything else is parked for
// confirmation in the popup. Use GuardedButton for every button that asks the background to act, and
// GuardedCheckbox for a selection an action will later act on (bulk grant), then pass
// `vouchedSelection` with that action. `data-armed` says when a press would count. From the
// keyboard a button does not act: it opens its code confirmation (key-confirm.tsx), which says
// `confirm` and acts only once the code it shows is typed.
import type { ComponentChildren } from 'preact';
import type { ClickEvidence } from './messages';
import { useKeyConfirm } from './key-confirm';
import { useClickGuard } from './visibility';

export interface GuardedButtonProps {
  /** Called on click with what the frame saw; send it as the action's `click`. */
  act: (click: ClickEvidence) => void;
  /** The action in words for the keyboard confirmation, naming what it acts on ("Approve Support's access to PS-108"); a bulk action names every selected row. */
  confirm: string;
  children: ComponentChildren;
  class?: string;
  disabled?: boolean;
  title?: string;
  'aria-label'?: string;
  'aria-describedby'?: string;
}

export function GuardedButton({ act, confirm, children, ...attrs }: GuardedButtonProps) {
  const { ref, armed, evidence } = useClickGuard<HTMLButtonElement>();
  const keys = useKeyConfirm(confirm, act);
  return (
    <>
      <button ref={ref} type="button" {...attrs} data-armed={armed ? 'true' : undefined} onClick={(e) => keys.intercept(e) || act(evidence(e))}>
        {children}
      </button>
      {keys.view}
    </>
  );
}

/** True when every part of the evidence holds: trusted, seen, pressed deliberately. */
export const vouched = (click: ClickEvidence): boolean => click.isTrusted && click.visible && click.pointer;

export interface GuardedCheckboxProps {
  checked: boolean;
  /** Called on each toggle with whether that toggle could be vouched for (see `vouched`). */
  onToggle: (click: ClickEvidence) => void;
  'aria-label': string;
  disabled?: boolean;
}

/** A checkbox whose ticks feed a consequential action: each toggle reports its evidence. */
export function GuardedCheckbox({ onToggle, checked, ...attrs }: GuardedCheckboxProps) {
  const { ref, armed, evidence } = useClickGuard<HTMLInputElement>();
  // The click event (not change) carries the press details; it fires for mouse and keyboard toggles
  // alike. A keyboard toggle is never vouched for (visibility.ts): the bulk action's confirmation is.
  return <input ref={ref} type="checkbox" {...attrs} checked={checked} data-armed={armed ? 'true' : undefined} onClick={(e) => onToggle(evidence(e))} />;
}

/**
 * A bulk action's evidence: its own press, and whether every selected row was ticked by a press that
 * counted. A keyboard confirmation named every selected row (GuardedButton's `confirm`), so it
 * vouches for the selection it showed.
 */
export const withSelection = (click: ClickEvidence, ticks: Iterable<boolean>): ClickEvidence => ({ ...click, selection: click.keyboard === true || [...ticks].every(Boolean) });

/** What a console frame or the panel says when the background parked an action. */
export const parkedText = (reason: string) => `Not done yet: ${reason} Confirm it in the Access Companion toolbar popup.`;
/** What a page that parked an action says once it was dismissed in the popup. */
export const dismissedText = 'Dismissed in the toolbar popup: nothing was done.';
