// A button in one of our framed pages whose action the background does only for a click it can
// vouch for: trusted (not synthesized by a script) and on a button that was really visible (see
// visibility.ts). `data-armed` says when the button has been visible long enough to count.
import type { ComponentChildren } from 'preact';
import type { ClickEvidence } from './messages';
import { useVisibleRef } from './visibility';

export interface GuardedButtonProps {
  act: (click: ClickEvidence) => void;
  children: ComponentChildren;
  class?: string;
  disabled?: boolean;
  title?: string;
  'aria-label'?: string;
  'aria-describedby'?: string;
}

export function GuardedButton({ act, children, ...attrs }: GuardedButtonProps) {
  const { ref, armed, evidence } = useVisibleRef<HTMLButtonElement>();
  return (
    <button ref={ref} type="button" {...attrs} data-armed={armed ? 'true' : undefined} onClick={(e) => act(evidence(e))}>
      {children}
    </button>
  );
}

/** What a console frame or the panel says when the background parked an action. */
export const parkedText = (reason: string) => `Not done yet: ${reason} Confirm it in the Access Companion toolbar popup.`;
