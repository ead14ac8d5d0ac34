import { LightningElement, api } from 'lwc';
import enableAutoBackup from '@salesforce/apex/AutoBackupDashboardController.enableAutoBackup';
import getDashboard from '@salesforce/apex/AutoBackupDashboardController.getDashboard';

const CURRENT = 'current';
const CHANGE = 'change';

/**
 * The "Enable Auto Backup" dialog (SLDS modal): two choices, *Start Auto Backup to current bucket*
 * and *Change the storage provider/bucket*.
 *
 * The bucket is one per backup service (its STORAGE_URL), set where the service runs, not in
 * Salesforce, so the second choice cannot switch it from here: it says who changes it, where, and
 * what happens to backups already written, and checks the service again (getDashboard) to show the
 * destination it writes to now, once that person has changed it.
 *
 * A modal as Lightning's are: labelled by its heading, Tab and Shift+Tab stay inside, Escape and
 * Cancel close it (`close` event; the opener takes the focus back). Once started it fires `enabled`
 * with the new dashboard.
 */
export default class EnableAutoBackupDialog extends LightningElement {
  /** Where the service writes backups now, e.g. gs://acme-backup/prod (dashboard.storage). */
  @api
  get storage() {
    return this.destination;
  }
  set storage(value) {
    this.destination = value;
  }

  /** Whether the user may start Auto Backup (custom permission Auto_Backup_Manage_Settings). */
  @api canManage = false;

  destination;
  choice = CURRENT;
  enabling = false;
  checking = false;
  error;
  // What the last check of the destination found, said in the dialog.
  checkResult;
  focusedOnOpen = false;
  // A control to give the focus back to after the next render.
  refocus;

  renderedCallback() {
    if (!this.focusedOnOpen) {
      this.focusedOnOpen = true;
      this.focusChoice();
    }
    if (this.refocus) {
      const target = this.template.querySelector(this.refocus);
      this.refocus = undefined;
      if (target) {
        target.focus();
      }
    }
  }

  get hasStorage() {
    return Boolean(this.destination);
  }

  get isCurrent() {
    return this.choice === CURRENT;
  }

  get isChange() {
    return this.choice === CHANGE;
  }

  get currentDisabled() {
    return !this.hasStorage;
  }

  get busy() {
    return this.enabling || this.checking;
  }

  get startDisabled() {
    return !this.canManage || !this.hasStorage || this.busy;
  }

  get showPermissionNote() {
    return !this.canManage;
  }

  get startLabel() {
    return this.enabling ? 'Starting Auto Backup…' : 'Start Auto Backup';
  }

  get checkLabel() {
    return this.checking ? 'Checking…' : 'Check the bucket again';
  }

  get choices() {
    return [
      {
        value: CURRENT,
        id: 'choice-current',
        helpId: 'choice-current-help',
        label: 'Start Auto Backup to current bucket',
        checked: this.isCurrent,
        disabled: this.currentDisabled,
      },
      {
        value: CHANGE,
        id: 'choice-change',
        helpId: 'choice-change-help',
        label: 'Change the storage provider/bucket',
        checked: this.isChange,
        disabled: false,
      },
    ].map((choice) => ({ ...choice, isCurrent: choice.value === CURRENT }));
  }

  connectedCallback() {
    // Without a bucket the only way forward is to have one set.
    if (!this.hasStorage) {
      this.choice = CHANGE;
    }
  }

  handleChoice(event) {
    this.choice = event.target.value;
    this.error = undefined;
  }

  handleKeyDown(event) {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      this.close();
      return;
    }
    if (event.key === 'Tab') {
      this.trapFocus(event);
    }
  }

  /** Keeps Tab and Shift+Tab inside the dialog, as a modal dialog must. */
  trapFocus(event) {
    const focusable = Array.from(
      this.template.querySelectorAll('button:not([disabled]), input:not([disabled])'),
    ).filter((element) => element.type !== 'radio' || element.checked);
    if (focusable.length === 0) {
      event.preventDefault();
      return;
    }
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    const active = this.template.activeElement;
    const inside = focusable.includes(active);
    if (event.shiftKey && (active === first || !inside)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !inside)) {
      event.preventDefault();
      first.focus();
    }
  }

  /** A click beside the dialog leaves the focus where it was, inside it. */
  handleBackdropMouseDown(event) {
    event.preventDefault();
  }

  handleCancel() {
    this.close();
  }

  close() {
    if (this.enabling) {
      return; // the request is under way; its answer decides what the page shows
    }
    this.dispatchEvent(new CustomEvent('close'));
  }

  async handleStart() {
    if (this.busy) {
      return;
    }
    this.enabling = true;
    this.error = undefined;
    try {
      const dashboard = await enableAutoBackup();
      this.dispatchEvent(new CustomEvent('enabled', { detail: { dashboard } }));
    } catch (error) {
      this.error = error;
      // The button was disabled meanwhile, which took the focus away: give it back.
      this.refocus = 'button.start';
    } finally {
      this.enabling = false;
    }
  }

  /** Asks the service where it writes now: after its STORAGE_URL changed, the new destination. */
  async handleCheck() {
    // The button stays enabled while checking, so the keyboard focus stays on it.
    if (this.busy) {
      return;
    }
    this.checking = true;
    this.error = undefined;
    this.checkResult = undefined;
    const before = this.destination;
    try {
      const dashboard = await getDashboard();
      if (dashboard && dashboard.enabled) {
        // Someone started it meanwhile (here or from the service's command line).
        this.dispatchEvent(new CustomEvent('enabled', { detail: { dashboard } }));
        return;
      }
      this.destination = dashboard ? dashboard.storage : undefined;
      this.dispatchEvent(new CustomEvent('storagechange', { detail: { storage: this.destination } }));
      if (!this.destination) {
        this.checkResult = 'The backup service still has no bucket configured.';
      } else if (this.destination === before) {
        this.checkResult = `The backup service still writes to ${this.destination}.`;
      } else {
        this.checkResult = `The backup service now writes to ${this.destination}. Choose Start Auto Backup to current bucket to start.`;
      }
    } catch (error) {
      this.error = error;
    } finally {
      this.checking = false;
    }
  }

  focusChoice() {
    const checked = this.template.querySelector('input[name="destination"]:checked');
    if (checked) {
      checked.focus();
    }
  }
}
