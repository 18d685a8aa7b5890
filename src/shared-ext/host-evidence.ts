// What the content script that owns a frame's host element tells the background about how the page
// shows that frame (src/content/host-guard.ts), asked for at decision time. Shared by both sides.

/** How long (ms) a control, its frame and the frame's place on the page must have held without a break. */
export const MIN_VISIBLE_MS = 500;

export const HOST_EVIDENCE_MESSAGE = 'access-companion:host-evidence';

/** What broke (or breaks) the frame's steady, unobstructed showing. */
export type HostProblem = 'gone' | 'moved' | 'clipped' | 'faded' | 'distorted' | 'hidden' | 'covered';

/** `steadyMs`: how long the frame has been in place, whole, opaque and uncovered; `problem`: why that stretch is short or broken. */
export interface HostEvidence {
  steadyMs: number;
  problem?: HostProblem;
}

/** The mount id the content script puts in a frame URL's hash, so the background can ask about that frame's host. */
export const mountIdOf = (frameUrl: string | undefined): string | undefined => {
  if (!frameUrl) return undefined;
  try {
    return new URLSearchParams(new URL(frameUrl).hash.replace(/^#/, '')).get('mount') ?? undefined;
  } catch {
    return undefined;
  }
};
