// On the portal's raise-a-request form, right under the consent box: whether ticking it will really
// give Support access for the chosen product and site, and if not why and who can. The answer is
// the Access API's, shown in an extension page inside an iframe in a closed shadow root (the page
// can neither read nor script it); the content script only passes the form's product and site in
// the frame's URL fragment, and changes the fragment when they change.
import { browser } from '../../shared-ext/browser';
import type { Feature } from '../feature-manager';
import { waitFor } from '../feature-manager';
import { isRequestForm } from '../matchers';
import { findRequestForm, readRequestChoice, type RequestForm, type RequestFormChoice } from '../adapters/request-form';
import { followFrameHeight } from '../frame-height';

export const CONSENT_PAGE = 'src/consent/index.html';
const HOST_TAG = 'access-companion-consent';

/** The frame's fragment for a choice: `site`, `product`, `productName`, each only when chosen. */
export function consentFragment(choice: RequestFormChoice): string {
  const params = new URLSearchParams();
  if (choice.site) params.set('site', choice.site);
  if (choice.product) params.set('product', choice.product);
  if (choice.productName) params.set('productName', choice.productName);
  return params.toString();
}

function mount(form: RequestForm, signal: AbortSignal): HTMLElement {
  const base = browser.runtime.getURL(CONSENT_PAGE);
  const host = document.createElement(HOST_TAG);
  host.style.setProperty('display', 'block', 'important');
  host.style.setProperty('margin', '6px 0 0', 'important');
  const shadow = host.attachShadow({ mode: 'closed' });
  const style = document.createElement('style');
  style.textContent = `:host { all: initial; display: block !important; }
    iframe { display: block; width: 100%; height: 64px; border: 0; color-scheme: light; pointer-events: none; }`;
  const frame = document.createElement('iframe');
  frame.title = 'Access Companion: what ticking this box does';
  let fragment = consentFragment(readRequestChoice(form));
  frame.src = `${base}#${fragment}`;
  // The frame reports its content height, and whether it shows a control (the sign-in button);
  // only a number and a boolean from our own frame are taken. While the note is only text, the
  // frame takes no pointer input: Chromium routes a click to an out-of-process frame by where it
  // was last drawn, so a click on the form's Send button just after the page scrolled it to where
  // the note used to be (the note being tall pushes Send below the fold) went to the note and was
  // lost. Without pointer input the click always reaches the page, which hit-tests its own layout.
  followFrameHeight(frame, signal, { min: 32, onReport: ({ interactive }) => (frame.style.pointerEvents = interactive === true ? 'auto' : 'none') });
  // A new product or site is a new question: a fragment change, which the frame answers in place.
  const follow = () => {
    const next = consentFragment(readRequestChoice(form));
    if (next === fragment) return;
    fragment = next;
    frame.src = `${base}#${next}`;
  };
  form.root.addEventListener('change', follow, { signal });
  form.root.addEventListener('input', follow, { signal });
  shadow.append(style, frame);
  form.consentRow.after(host);
  return host;
}

export const requestFormConsent: Feature = {
  id: 'request-form-consent',
  include: [isRequestForm],
  async init(signal) {
    while (!signal.aborted) {
      const form = await waitFor(() => findRequestForm(document), signal);
      // Each mount has its own signal, ended when the page re-renders the form away or the feature stops.
      const unmount = new AbortController();
      const mounted = AbortSignal.any([signal, unmount.signal]);
      const host = mount(form, mounted);
      mounted.addEventListener('abort', () => host.remove(), { once: true });
      try {
        await waitFor(() => (!host.isConnected || !form.consent.isConnected ? true : undefined), mounted);
      } finally {
        unmount.abort();
      }
    }
  },
};
