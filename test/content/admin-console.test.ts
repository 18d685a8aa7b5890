// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { findFrameSlot, findOutstandingRequestKeys } from '../../src/content/adapters/admin-console';

const load = (name: string) => new DOMParser().parseFromString(readFileSync(join(import.meta.dirname, 'fixtures', `${name}.html`), 'utf8'), 'text/html');

describe('admin console adapter, Support access page', () => {
  test("reads the ticket keys of the vendor's outstanding requests, nothing else from the row", () => {
    // The third row's first cell is not a bare ticket key: it is ignored rather than passed on.
    expect(findOutstandingRequestKeys(load('admin-support-access'))).toEqual(['PS-101', 'PS-102']);
  });

  test("our frame goes after the lead paragraph, above the vendor's table", () => {
    const slot = findFrameSlot(load('admin-support-access'), 'support-access');
    expect(slot?.after.tagName).toBe('P');
  });

  test('a page without the table yields no keys', () => {
    expect(findOutstandingRequestKeys(new DOMParser().parseFromString('<main><h1>Support access</h1></main>', 'text/html'))).toEqual([]);
  });
});
