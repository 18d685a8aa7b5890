// Our frames (panel, console, request access, consent note) report their content height to the
// page's content script, which sizes the iframe. One listener shape for all of them.

/** The message type every frame page posts: `{ type, height, interactive? }`. */
export const FRAME_HEIGHT_MESSAGE = 'access-companion:height';

/**
 * Sizes `frame` to the height it reports (CSS px, clamped to `min`..`max`), taking only a number
 * posted by that frame's own window; listens until `signal` aborts. `onReport` sees each accepted
 * report (e.g. whether the frame shows a control).
 */
export function followFrameHeight(
  frame: HTMLIFrameElement,
  signal: AbortSignal,
  { min = 48, max = 1200, onReport }: { min?: number; max?: number; onReport?: (report: { height: number; interactive?: unknown }) => void } = {},
): void {
  addEventListener(
    'message',
    (event: MessageEvent<unknown>) => {
      if (event.source !== frame.contentWindow) return;
      const data = event.data as { type?: unknown; height?: unknown; interactive?: unknown } | null;
      if (data?.type !== FRAME_HEIGHT_MESSAGE || typeof data.height !== 'number') return;
      frame.style.height = `${Math.min(Math.max(Math.ceil(data.height), min), max)}px`;
      onReport?.({ height: data.height, interactive: data.interactive });
    },
    { signal },
  );
}
