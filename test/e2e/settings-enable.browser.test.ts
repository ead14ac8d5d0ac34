/**
 * The first-run "Enable Auto Backup" dialog and the Settings tab in headless Chromium, as an admin uses them: the
 * org is registered paused (`orgs add --paused`), so the page opens on the dialog with its two choices; starting
 * from it begins the backup; then the Settings tab suggests object names while typing (picked with the keyboard),
 * flags a name the service does not know before saving, and keeps a schedule chosen there. Every screen passes
 * axe-core (no serious or critical violation).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { assertAccessible } from './support/axe.js';
import { hasChromium, launchChromium, type Browser } from './support/browser.js';
import { startPreviewStack, type PreviewStack } from './support/preview-stack.js';

let stack: PreviewStack;
let browser: Browser;
let page: Page;

before(async () => {
  if (!hasChromium()) return;
  [stack, browser] = await Promise.all([
    startPreviewStack({ seed: 'small', paused: true }),
    launchChromium({ width: 1280, height: 800 }),
  ]);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(stack.loginUrl());
  await page.getByRole('heading', { name: 'Auto Backup', exact: true }).waitFor();
});

after(async () => {
  await browser?.close();
  await stack?.close();
});

/** The element with the keyboard focus, through shadow roots: its accessible text and whether a dialog holds it. */
function focused(): Promise<{ name: string; inDialog: boolean }> {
  return page.evaluate<{ name: string; inDialog: boolean }>(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (!el || el === document.body) return { name: '', inDialog: false };
    const label = el.labels && el.labels[0] ? el.labels[0].textContent : null;
    const text = [el.getAttribute('aria-label'), label, el.textContent].find((t) => t && t.trim() !== '');
    return {
      name: (text || el.tagName).replace(/\\s+/g, ' ').trim().slice(0, 80),
      inDialog: Boolean(el.closest('[role="dialog"]')),
    };
  })()`);
}

async function openTab(name: string): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
}

const dialog = () => page.getByRole('dialog', { name: 'Enable Auto Backup' });
const exclusionsField = () => page.getByRole('combobox', { name: 'Auto Backup Exclusions' });

async function box(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const found = await locator.boundingBox();
  assert.ok(found, 'the element is on screen');
  return found;
}

describe(
  'the Enable Auto Backup dialog and Settings in Chromium',
  { skip: !hasChromium() && 'no /usr/bin/chromium' },
  () => {
    test('the first run opens the Enable Auto Backup dialog with its two choices, modal and keyboard-safe', async () => {
      const { storage } = await stack.api<{ storage: string }>('/dashboard');
      await dialog().waitFor();
      const current = page.getByRole('radio', { name: 'Start Auto Backup to current bucket' });
      const change = page.getByRole('radio', { name: 'Change the storage provider/bucket' });
      assert.equal(await current.isChecked(), true);
      assert.equal(await change.isChecked(), false);
      assert.match(
        await dialog().innerText(),
        new RegExp(`Backups will be written to\\s*${storage.replace(/[/.]/g, '\\$&')}`),
      );
      assert.deepEqual(await focused(), { name: 'Start Auto Backup to current bucket', inDialog: true });

      // A modal: centred in the window, over a backdrop that covers the page.
      const viewport = page.viewportSize()!;
      const modal = await box(page.locator('.slds-modal__container'));
      assert.ok(modal.y >= 0 && modal.y + modal.height <= viewport.height, 'the dialog fits the window');
      assert.ok(Math.abs(modal.x + modal.width / 2 - viewport.width / 2) < 2, 'the dialog is centred');
      const backdrop = await box(page.locator('.slds-backdrop'));
      assert.deepEqual([backdrop.width, backdrop.height], [viewport.width, viewport.height]);
      await assertAccessible(page, 'the Enable Auto Backup dialog');

      // The second choice says what changing the bucket needs; no button pretends to do it.
      await page.keyboard.press('ArrowDown');
      assert.equal(await change.isChecked(), true);
      const help = await dialog().locator('.change-help').innerText();
      assert.match(help, /Whoever runs the backup service sets its STORAGE_URL/);
      assert.match(help, /backups already written stay in the old bucket/);
      assert.equal(await dialog().getByRole('button', { name: 'Start Auto Backup' }).count(), 0);
      await dialog().getByRole('button', { name: 'Check the bucket again' }).click();
      await dialog().getByText(`The backup service still writes to ${storage}.`).waitFor();
      await assertAccessible(page, 'the dialog explaining a change of bucket');

      // Tab and Shift+Tab stay inside; Escape closes and the focus returns to the button that opens it.
      for (const key of [
        'Tab',
        'Tab',
        'Tab',
        'Tab',
        'Shift+Tab',
        'Shift+Tab',
        'Shift+Tab',
        'Shift+Tab',
        'Shift+Tab',
      ]) {
        await page.keyboard.press(key);
        const where = await focused();
        assert.ok(where.inDialog, `after ${key} the focus is in the dialog (on ${where.name})`);
      }
      await page.keyboard.press('Escape');
      await dialog().waitFor({ state: 'detached' });
      assert.deepEqual(await focused(), { name: 'Enable Auto Backup', inDialog: false });
      assert.equal((await stack.api<{ enabled: boolean }>('/dashboard')).enabled, false, 'nothing started');
      await assertAccessible(page, 'the first-run panel');
    });

    test('Start Auto Backup to current bucket starts the backup and shows the dashboard', async () => {
      await page.keyboard.press('Enter'); // the focus is on "Enable Auto Backup"
      await dialog().waitFor();
      await dialog().getByText('Start Auto Backup to current bucket', { exact: true }).click();
      assert.equal(
        await page.getByRole('radio', { name: 'Start Auto Backup to current bucket' }).isChecked(),
        true,
      );
      await dialog().getByRole('button', { name: 'Start Auto Backup' }).click();
      await page.getByRole('tab', { name: 'Dashboard', exact: true }).waitFor();
      assert.equal(await dialog().count(), 0);
      assert.equal((await stack.api<{ enabled: boolean }>('/dashboard')).enabled, true);
      // The objects the Settings tab suggests come from the first schema scan.
      await stack.waitFor('the first schema scan', async () => {
        const objects = await stack.api<{ items: unknown[] }>('/objects?limit=5');
        return objects.items.length >= 5 ? true : undefined;
      });
    });

    test('Settings suggests objects while typing, picked with the arrow keys and Enter', async () => {
      const { items } = await stack.api<{ items: Array<{ name: string; label: string }> }>(
        '/objects?limit=1000',
      );
      const typed = 'Acc';
      const matching = items.filter((o) =>
        `${o.name} ${o.label}`.toLowerCase().includes(typed.toLowerCase()),
      );
      assert.ok(matching.length >= 2, `the org has objects matching "${typed}"`);
      await page.reload();
      await openTab('Settings');
      const field = exclusionsField();
      await field.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Delete');
      await page.keyboard.type(typed);

      const listbox = page.getByRole('listbox');
      await listbox.waitFor();
      assert.equal(await field.getAttribute('aria-expanded'), 'true');
      const names: string[] = [];
      for (const option of await listbox.getByRole('option').all())
        names.push((await option.getAttribute('data-name')) ?? '');
      assert.ok(names.length >= 2 && names.length <= 8, `a short list: ${names.join(', ')}`);
      assert.ok(names[0]!.startsWith(typed), `API names starting with "${typed}" come first: ${names[0]}`);
      for (const name of names)
        assert.ok(
          matching.some((o) => o.name === name),
          `${name} matches "${typed}"`,
        );

      // The list opens under the field, as wide as it, inside the window.
      const fieldBox = await box(field);
      const listBox = await box(listbox);
      assert.ok(listBox.y >= fieldBox.y + fieldBox.height - 1, 'the list is below the field');
      assert.ok(Math.abs(listBox.width - fieldBox.width) < 2, 'the list is as wide as the field');
      assert.ok(listBox.y + listBox.height <= page.viewportSize()!.height, 'the list is inside the window');
      await assertAccessible(page, 'Settings with the suggestions open');

      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      const active = await field.getAttribute('aria-activedescendant');
      const second = listbox.getByRole('option').nth(1);
      assert.equal(active, await second.getAttribute('id'));
      assert.equal(await second.getAttribute('aria-selected'), 'true');
      await page.keyboard.press('Enter');
      assert.equal(await field.inputValue(), `${names[1]}, `);
      assert.equal(await listbox.count(), 0);
      assert.equal(await field.getAttribute('aria-expanded'), 'false');
    });

    test('a name the service does not know is flagged before saving, and nothing is saved', async () => {
      const before = await stack.api<{ exclusions: string[]; version: number }>('/settings');
      const field = exclusionsField();
      const picked = (await field.inputValue()).replace(/,\s*$/, '');
      await field.click();
      await page.keyboard.press('End');
      await page.keyboard.type('Invoyce__c');
      await page.keyboard.press('Tab'); // leaving the field checks it

      const error = page.locator('.field-errors');
      await error.waitFor();
      assert.match(await error.innerText(), /"Invoyce__c" is not an object of this org/);
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      // In the page (this project's TypeScript has no DOM library, so the window is typed here).
      type PageWindow = { getComputedStyle(element: unknown): { color: string } };
      const red = await error.evaluate(
        (el) => (globalThis as unknown as PageWindow).getComputedStyle(el).color,
      );
      const [r, g, b] = red.match(/\d+/g)!.map(Number);
      assert.ok(r! > 150 && g! < 80 && b! < 80, `the message is in the error colour, got ${red}`);
      await assertAccessible(page, 'Settings with an unknown object flagged');

      await page.getByRole('button', { name: 'Save' }).click();
      await error.waitFor();
      const after = await stack.api<{ exclusions: string[]; version: number }>('/settings');
      assert.deepEqual(after, before, 'nothing was saved');

      await field.fill(picked);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('.saved-message').waitFor();
      assert.equal(await error.count(), 0);
      assert.deepEqual((await stack.api<{ exclusions: string[] }>('/settings')).exclusions, [picked]);
    });

    test('a schedule chosen in Settings is saved and still chosen after a reload', async () => {
      assert.equal((await stack.api<{ schedule: string }>('/settings')).schedule, 'continuous');
      // SLDS draws its own radio over the input: a user clicks the label.
      await page.getByText('Daily', { exact: true }).click();
      assert.equal(await page.getByRole('radio', { name: 'Daily' }).isChecked(), true);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText(/Saved\. Backups run daily/).waitFor();
      assert.equal((await stack.api<{ schedule: string }>('/settings')).schedule, 'daily');

      await page.reload();
      await openTab('Settings');
      const daily = page.getByRole('radio', { name: 'Daily' });
      await daily.waitFor();
      assert.equal(await daily.isChecked(), true);
      assert.equal(await page.getByRole('radio', { name: 'Continuous' }).isChecked(), false);
      await assertAccessible(page, 'Settings');
    });
  },
);
