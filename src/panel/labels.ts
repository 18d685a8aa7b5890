// Words an admin reads in the panel: times and hosts. Role, state and action names come from the
// shared vocabulary (src/api/vocabulary.ts).
import { ago, when as formatWhen } from '../shared-ext/format';

export { ago };

/** A date-time for a sentence: empty when there is none (the sentence leaves it out). */
export function when(iso: string | undefined): string {
  return iso ? formatWhen(iso) : '';
}

export const hostOf = (url: string | undefined) => {
  try {
    return url ? new URL(url).host : '';
  } catch {
    return url ?? '';
  }
};
