// The vendor's raise-a-request form: the consent box ("Allow Atlassian Support to access my data
// for this request") and the product and site the request is about. Found by the labels a person
// reads (normalizeLabel: case, punctuation and spaces ignored), never by ids or class names. Every
// value read here is page-derived: it only chooses what to ask the Access API about.
import { normalizeLabel, productKeyFromName } from './support-portal';

const PRODUCT_LABEL = /^(product|product name|affected product|which product)$/;
const SITE_LABEL = /^(site|site url|site address|cloud site|cloud url|instance|instance url)$/;
/** The vendor's wordings of the consent box, normalized: support, access and data all named. */
const CONSENT_LABEL = /(allow|grant|give|let).*support.*access.*data|support.*(may|can).*access.*data/;

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

export interface RequestForm {
  /** The form (or, without a form element, the page body) whose fields we read and follow. */
  root: Element;
  consent: HTMLInputElement;
  /** The consent box's row (box and label together): our notice goes right after it. */
  consentRow: Element;
  product: Control | undefined;
  site: Control | undefined;
}

/** What the form's product and site fields say now; absent while nothing is chosen. */
export interface RequestFormChoice {
  /** Product key as the Access API names it ("confluence"). */
  product?: string;
  /** Product as the form shows it ("Confluence"). */
  productName?: string;
  /** Origin of the chosen site ("https://acme.atlassian.net"). */
  site?: string;
}

const text = (node: Node | null | undefined): string => node?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

/** The words a person reads as this control's label: its <label>s, aria-labelledby, or aria-label. */
export function labelOf(control: Control): string {
  const labels = [...(control.labels ?? [])].map((l) => text(l)).filter(Boolean);
  if (labels.length > 0) return labels.join(' ');
  const ids = control.getAttribute('aria-labelledby')?.split(/\s+/).filter(Boolean) ?? [];
  const byId = ids.map((id) => text(control.ownerDocument.getElementById(id))).filter(Boolean);
  if (byId.length > 0) return byId.join(' ');
  return control.getAttribute('aria-label') ?? '';
}

function controlLabelled(root: ParentNode, label: RegExp): Control | undefined {
  for (const el of root.querySelectorAll<Control>('select, input:not([type="hidden"]):not([type="checkbox"]):not([type="radio"]), textarea')) {
    if (label.test(normalizeLabel(labelOf(el)))) return el;
  }
  return undefined;
}

/** The nearest ancestor holding both the box and its label, short of the whole form. */
function rowOf(consent: HTMLInputElement, root: Element): Element {
  const label = consent.labels?.[0];
  let row: Element = consent.parentElement ?? consent;
  while (label && !row.contains(label) && row.parentElement && row !== root) row = row.parentElement;
  return row === root ? consent : row;
}

/** The request form on this page, if it has a consent box we recognise; undefined otherwise. */
export function findRequestForm(doc: Document): RequestForm | undefined {
  for (const box of doc.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')) {
    if (!CONSENT_LABEL.test(normalizeLabel(labelOf(box)))) continue;
    const root = box.closest('form') ?? doc.body;
    return { root, consent: box, consentRow: rowOf(box, root), product: controlLabelled(root, PRODUCT_LABEL), site: controlLabelled(root, SITE_LABEL) };
  }
  return undefined;
}

/** A select's chosen option as shown, or an input's value; undefined for a placeholder or nothing. */
function shownValue(control: Control | undefined): string | undefined {
  if (!control) return undefined;
  if (control instanceof HTMLSelectElement) {
    const option = control.selectedIndex >= 0 ? control.options[control.selectedIndex] : undefined;
    return option && option.value !== '' ? text(option) || option.value : undefined;
  }
  return control.value.trim() || undefined;
}

function siteOrigin(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(/^[a-z]+:\/\//i.test(value) ? value : `https://${value}`);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.includes('.') ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The product and site the form names right now. */
export function readRequestChoice(form: RequestForm): RequestFormChoice {
  const productName = shownValue(form.product);
  const site = siteOrigin(shownValue(form.site));
  return { ...(productName ? { productName, product: productKeyFromName(productName) } : {}), ...(site ? { site } : {}) };
}
