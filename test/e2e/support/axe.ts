/**
 * axe-core in the browser tests: the serious and critical violations of a page (or of one element and what it
 * holds), one line each. axe is evaluated through the DevTools protocol, since the page's Content-Security-Policy
 * allows no inline script.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Serious and critical violations of the page as it is now, or of the first element `within` locates (a
 * Playwright selector, which reaches into shadow roots) and what it holds.
 */
export async function seriousAxeViolations(page: Page, within?: string): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const target = page.locator(within ?? 'html').first();
  // The function runs in the page: it sees only its arguments (`whole`: the document rather than the element).
  const findings: AxeFinding[] = await target.evaluate(
    async (element, whole) =>
      (
        await element.ownerDocument.defaultView.axe.run(whole ? element.ownerDocument : element)
      ).violations.map(
        (v: { id: string; impact: string | null; help: string; nodes: Array<{ target: unknown }> }) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)),
        }),
      ),
    within === undefined,
  );
  return findings
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.join(', ')})`);
}

/** Fails with the violations found on `screen` (the page, or the element matching `within`). */
export async function assertAccessible(page: Page, screen: string, within?: string): Promise<void> {
  assert.deepEqual(await seriousAxeViolations(page, within), [], `axe-core on ${screen}`);
}
