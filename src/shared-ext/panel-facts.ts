// The ticket panel learns what the vendor page says about its ticket from its URL's hash
// (content/features/ticket-panel.ts, panelFrameUrl). The content script may load the panel before
// the page has rendered its ticket, and a new hash on an extension frame reloads it, so later facts
// come as a message from the content script instead: the whole new hash, accepted only when it
// keeps the frame's ticket key and carries the frame's mount id. The mount id is made in the content
// script's isolated world and lives only in the frame's URL, which the vendor page cannot read (the
// frame sits in a closed shadow root, cross-origin), so the page cannot forge these messages. What
// they carry is page-derived anyway: shown as text, never used to decide anything (panel/context.ts).

export const PANEL_FACTS_MESSAGE = 'access-companion:panel-facts';

/** What the content script posts to the panel frame: `hash` is a panelFrameUrl hash without '#'. */
export interface PanelFactsMessage {
  type: typeof PANEL_FACTS_MESSAGE;
  hash: string;
}

/**
 * The hash (without '#') the panel should take from `data`, or undefined when `data` is not a facts
 * message for this frame: another type, no string hash, or a different `key` or `mount` than
 * `currentHash` (the frame's own hash, with or without '#'). A frame without a mount accepts none.
 */
export function acceptedFactsHash(currentHash: string, data: unknown): string | undefined {
  const message = data as Partial<PanelFactsMessage> | null | undefined;
  if (message?.type !== PANEL_FACTS_MESSAGE || typeof message.hash !== 'string') return undefined;
  const current = new URLSearchParams(currentHash.replace(/^#/, ''));
  const next = new URLSearchParams(message.hash.replace(/^#/, ''));
  const mount = current.get('mount');
  if (!mount || next.get('mount') !== mount || next.get('key') !== current.get('key')) return undefined;
  return next.toString();
}
