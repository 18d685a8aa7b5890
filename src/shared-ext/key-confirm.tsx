// The keyboard's way to consent (the design and the tricks it answers are in visibility.ts's
// header). A keyboard activation of a guarded control opens this confirmation under it instead of
// acting: it names the action, shows a fresh random code, takes focus and is announced; the action
// goes ahead only for that code typed into its field and a fresh, trusted Enter (or Confirm). Typing
// that was meant for the page lands in the field and completes nothing.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import './key-confirm.css';
import type { ClickEvidence } from './messages';
import { CAN_SEE_OCCLUSION, isKeyboardActivation, useSeen } from './visibility';

/** How many decimal digits the confirmation code has: a page that cannot see it guesses one in 10^n. */
export const KEY_CONFIRM_DIGITS = 3;

/** A fresh KEY_CONFIRM_DIGITS-digit code (a string of "0"–"9") from crypto.getRandomValues, so the page cannot predict it. */
export function newConfirmCode(): string {
  const draws = crypto.getRandomValues(new Uint32Array(KEY_CONFIRM_DIGITS));
  return Array.from(draws, (n) => String(n % 10)).join('');
}

/** The code as it is shown and read aloud: digits apart ("4 7 2"), so a screen reader says each one. */
const spaced = (code: string) => code.split('').join(' ');

interface Open {
  code: string;
  /** The last attempt had the wrong code (a new one is shown). */
  wrong: boolean;
  /** Wrong codes so far in this confirmation. */
  misses: number;
}

/**
 * Wrong codes a confirmation takes before it closes with nothing done. A page cannot see the code,
 * but it can tell (from our frame's height) that a confirmation is open and coax the person into
 * typing digits and Enter again and again: closing after a few misses keeps its chance per opening
 * at KEY_CONFIRM_MAX_MISSES in 10^KEY_CONFIRM_DIGITS, and each new opening needs another keyboard
 * press on our own control.
 */
export const KEY_CONFIRM_MAX_MISSES = 3;

/**
 * The confirmation for one guarded control. `what`: the action in words, naming what it acts on
 * ("Grant Support access to PS-107"); a bulk action names every selected row. `act`: called with
 * the evidence of a confirmed press (`pointer: true, keyboard: true`; `visible` as useSeen saw the
 * confirmation). In the control's click handler call `intercept(event)` first: true means it was a
 * keyboard activation and the confirmation is now open, so do nothing else. Render `view` right
 * after the control: it holds the live region (always present, so screen readers announce what
 * appears in it) and, while open, the confirmation.
 */
export function useKeyConfirm(what: string, act: (click: ClickEvidence) => void) {
  const [open, setOpen] = useState<Open | undefined>();
  // Said once the confirmation closed after too many wrong codes (until the control is pressed again).
  const [notice, setNotice] = useState('');
  const control = useRef<HTMLElement | null>(null);
  const intercept = (event: MouseEvent): boolean => {
    if (!isKeyboardActivation(event)) return false;
    control.current = event.currentTarget as HTMLElement;
    setNotice('');
    setOpen({ code: newConfirmCode(), wrong: false, misses: 0 });
    return true;
  };
  const close = () => {
    setOpen(undefined);
    control.current?.focus();
  };
  const wrong = () => {
    const misses = (open?.misses ?? 0) + 1;
    if (misses < KEY_CONFIRM_MAX_MISSES) return setOpen({ code: newConfirmCode(), wrong: true, misses });
    setNotice(`${KEY_CONFIRM_MAX_MISSES} wrong codes: nothing was done. Press the button again to start over.`);
    close();
  };
  const announcement = open ? `${open.wrong ? 'That was not the code. ' : ''}Confirm: ${what}. Type the code ${spaced(open.code)}, then press Enter. Escape cancels.` : notice;
  const view = (
    <>
      <span class="key-confirm-live" aria-live="assertive" aria-atomic="true">
        {announcement}
      </span>
      {!open && notice && <p class="key-confirm-closed">{notice}</p>}
      {open && (
        <KeyConfirm
          what={what}
          open={open}
          onWrong={wrong}
          onCancel={close}
          onConfirm={(click) => {
            close();
            act(click);
          }}
        />
      )}
    </>
  );
  return { intercept, view, isOpen: open !== undefined };
}

function KeyConfirm({ what, open, onWrong, onConfirm, onCancel }: { what: string; open: Open; onWrong: () => void; onConfirm: (click: ClickEvidence) => void; onCancel: () => void }) {
  const { ref, ready, seen } = useSeen<HTMLFieldSetElement>();
  const input = useRef<HTMLInputElement>(null);
  // Whether the last keydown inside the confirmation was a key held down: Confirm pressed by such a
  // key (Enter auto-repeating from wherever it started) does not count.
  const lastKeyRepeated = useRef(false);
  const id = useId();
  // All of it in view (it counts only once seen whole), then focus in its field.
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
    input.current?.focus({ preventScroll: true });
  }, []);
  const submit = (event: Event) => {
    const typed = (input.current?.value ?? '').replace(/\s+/g, '');
    if (typed !== open.code) {
      // A new code each miss: guessing gains nothing from the last attempt.
      if (input.current) input.current.value = '';
      input.current?.focus();
      onWrong();
      return;
    }
    onConfirm({ isTrusted: event.isTrusted, visible: seen(event.timeStamp), pointer: true, keyboard: true, ...(CAN_SEE_OCCLUSION ? {} : { visibilityUnknown: true }) });
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (!e.isTrusted) return;
    lastKeyRepeated.current = e.repeat;
    if (e.key === 'Escape') {
      e.preventDefault();
      onCancel();
    } else if (e.key === 'Enter' && e.target === input.current) {
      e.preventDefault();
      // Enter held down (from the press that opened this, or any other) never confirms.
      if (!e.repeat) submit(e);
    }
  };
  const onConfirmClick = (e: MouseEvent) => {
    if (!e.isTrusted || (e.detail === 0 && lastKeyRepeated.current)) return;
    submit(e);
  };
  return (
    <fieldset ref={ref} class="key-confirm" aria-labelledby={`${id}-what`} data-armed={ready ? 'true' : undefined} onKeyDown={onKeyDown}>
      <p id={`${id}-what`} class="key-confirm-what">
        <strong>Confirm:</strong> {what}
      </p>
      <p id={`${id}-how`} class="key-confirm-how">
        {open.wrong ? 'That was not the code. ' : ''}Type the code <span class="key-confirm-code">{spaced(open.code)}</span>, then press Enter. Escape cancels.
      </p>
      <div class="key-confirm-row">
        <input ref={input} type="text" inputMode="numeric" autoComplete="off" spellcheck={false} maxLength={16} aria-label="Confirmation code" aria-describedby={`${id}-what ${id}-how`} />
        <button type="button" class="primary" onClick={onConfirmClick}>
          Confirm
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </fieldset>
  );
}
