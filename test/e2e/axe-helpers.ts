// axe-core (Deque's accessibility engine) run inside our own pages and frames in real Chromium. Its
// source is evaluated in the frame through the DevTools protocol (playwright's frame.evaluate), which
// our pages' CSP (script-src 'self') does not stop, where adding a <script> tag would be refused.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Frame, Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  rule: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** The serious and critical WCAG 2.x A/AA and best-practice violations axe finds in `frame`'s document. */
export async function seriousViolations(frame: Frame): Promise<AxeFinding[]> {
  await frame.evaluate(AXE_SOURCE);
  const found = await frame.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    return result.violations.map((v) => ({ rule: v.id, impact: v.impact ?? '', help: v.help, nodes: v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** One of our frames on `page` whose URL contains `path`, once `ready` matches inside it. */
export async function extensionFrame(page: Page, path: string, ready: string, timeout = 20_000): Promise<Frame> {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const frame of page.frames()) {
      if (!frame.url().startsWith('chrome-extension://') || !frame.url().includes(path) || frame.isDetached()) continue;
      if (
        (await frame
          .locator(ready)
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    if (Date.now() > deadline) throw new Error(`no ${path} frame with ${ready} on ${page.url()}`);
    await page.waitForTimeout(100);
  }
}
