import { LightningElement } from 'lwc';
import getSettings from '@salesforce/apex/AutoBackupSettingsController.getSettings';
import saveSettings from '@salesforce/apex/AutoBackupSettingsController.saveSettings';
import { Loader } from 'c/dataLoader';
import { isSettingsConflict, reduceErrors } from 'c/ldsUtils';
import { loadCanManage } from 'c/managePermission';
import { parseExclusions } from './exclusions';

/**
 * Settings: "Auto Backup Exclusions", the objects the user leaves out of future backups, typed as a
 * comma-separated list. Checked here before saving (empty entries, characters an API name cannot
 * have, duplicates); names the org does not have are reported by the service. Only holders of the
 * Auto Backup Admin permission set can save.
 *
 * With them, the API budget share: the percent (5 to 100) of the org's daily API allowance Auto
 * Backup may use. It is sent only when the user changed it (absent means unchanged to the service).
 *
 * A save names the version of the settings on screen (from getSettings or the last save). When
 * someone else changed the settings since, nothing is saved: the component says so and shows the
 * exclusions as they are now, so the user can make the change again knowingly.
 */
export default class BackupSettings extends LightningElement {
  text = '';
  savedText = '';
  // The version of the settings on screen; a save is based on it.
  version;
  fieldErrors = [];
  // The API budget share in percent, as typed and as stored.
  budgetText = '';
  savedBudgetText = '';
  budgetError;
  loadError;
  // A save refused because the settings were changed by someone else meanwhile.
  conflictError;
  loading = true;
  // Loading the settings again after such a refusal, with the form kept on screen.
  reloading = false;
  saving = false;
  saved = false;
  canManage = false;
  showFieldErrors = false;
  // A native textarea's text is a property the template cannot bind; it is written after render.
  textareaStale = true;
  budgetStale = true;
  loader = new Loader(this, { busyFields: ['loading', 'reloading'], errorField: 'loadError' });

  connectedCallback() {
    this.load();
    this.loadPermission();
  }

  /** Loads the settings; `busyField` 'reloading' keeps the form on screen meanwhile. */
  load(busyField = 'loading') {
    return this.loader.load(
      () => getSettings(),
      (settings) => this.showStored(settings),
      busyField,
    );
  }

  /** Shows the settings as the service stored them, and remembers their version. */
  showStored(settings) {
    this.version = settings ? settings.version : undefined;
    this.savedText = ((settings && settings.exclusions) || []).join(', ');
    const share = settings ? settings.apiBudgetShare : undefined;
    this.savedBudgetText = typeof share === 'number' ? String(Math.round(share * 1000) / 10) : '';
    this.setText(this.savedText);
    this.setBudgetText(this.savedBudgetText);
  }

  async loadPermission() {
    this.canManage = await loadCanManage();
  }

  get showForm() {
    return !this.loading && !this.loadError;
  }

  get hasFieldErrors() {
    return this.fieldErrors.length > 0;
  }

  get formElementClass() {
    return this.hasFieldErrors ? 'slds-form-element slds-has-error' : 'slds-form-element';
  }

  get ariaInvalid() {
    return String(this.hasFieldErrors);
  }

  get describedBy() {
    return this.hasFieldErrors ? 'exclusions-help exclusions-errors' : 'exclusions-help';
  }

  get fieldErrorItems() {
    return this.fieldErrors.map((text, index) => ({ key: `${index}`, text }));
  }

  get busy() {
    return this.saving || this.reloading;
  }

  get textareaDisabled() {
    return !this.canManage || this.busy;
  }

  get changed() {
    return this.text !== this.savedText || this.budgetText !== this.savedBudgetText;
  }

  get saveDisabled() {
    return !this.canManage || this.busy || !this.changed;
  }

  get cancelDisabled() {
    return this.busy || !this.changed;
  }

  get budgetFormElementClass() {
    return this.budgetError ? 'slds-form-element slds-has-error' : 'slds-form-element';
  }

  get budgetAriaInvalid() {
    return String(Boolean(this.budgetError));
  }

  get budgetDescribedBy() {
    return this.budgetError ? 'api-budget-help api-budget-error' : 'api-budget-help';
  }

  /** The typed share as a number, or an error sentence when it is not 5 to 100. */
  parseBudget() {
    const text = this.budgetText.trim();
    const percent = text === '' ? NaN : Number(text);
    if (!Number.isFinite(percent) || percent < 5 || percent > 100) {
      return { error: 'Enter a share between 5 and 100 %.' };
    }
    return { percent };
  }

  get showPermissionNote() {
    return !this.canManage;
  }

  get saveLabel() {
    return this.saving ? 'Saving…' : 'Save';
  }

  handleInput(event) {
    this.text = event.target.value;
    this.saved = false;
    // Once problems are on screen, keep them current while the user fixes them.
    if (this.showFieldErrors) {
      this.fieldErrors = parseExclusions(this.text).errors;
    }
  }

  handleBudgetInput(event) {
    this.budgetText = event.target.value;
    this.saved = false;
    if (this.budgetError) {
      this.budgetError = this.parseBudget().error;
    }
  }

  handleBudgetBlur() {
    this.budgetError = this.budgetText === this.savedBudgetText ? undefined : this.parseBudget().error;
  }

  handleBlur() {
    this.fieldErrors = parseExclusions(this.text).errors;
    this.showFieldErrors = this.fieldErrors.length > 0;
  }

  handleCancel() {
    this.setText(this.savedText);
    this.setBudgetText(this.savedBudgetText);
    this.budgetError = undefined;
    this.fieldErrors = [];
    this.showFieldErrors = false;
    this.saved = false;
    this.conflictError = undefined;
  }

  handleRetry() {
    this.load();
  }

  async handleSave() {
    const { names, errors } = parseExclusions(this.text);
    this.fieldErrors = errors;
    this.showFieldErrors = errors.length > 0;
    // An untouched share is not sent, so the service keeps what it stores.
    const budgetChanged = this.budgetText !== this.savedBudgetText;
    const budget = budgetChanged ? this.parseBudget() : { percent: null };
    this.budgetError = budget.error;
    if (errors.length > 0) {
      this.focusTextarea();
      return;
    }
    if (budget.error) {
      this.focusBudget();
      return;
    }
    this.saving = true;
    this.saved = false;
    this.conflictError = undefined;
    try {
      const settings = await saveSettings({
        exclusions: names.join(', '),
        apiBudgetPercent: budget.percent,
        version: this.version,
      });
      this.showStored(settings);
      this.saved = true;
    } catch (error) {
      if (isSettingsConflict(error)) {
        // Someone else saved first: show what is stored now (and its version) instead of the
        // user's text, so the next save is made knowing their change.
        this.conflictError = error;
        await this.load('reloading');
        return;
      }
      // Any other answer is about the field's content (e.g. an object the org does not have).
      const messages = reduceErrors(error);
      if (messages.some((message) => message.includes('API budget share'))) {
        this.budgetError = messages.join(' ');
        this.focusBudget();
        return;
      }
      this.fieldErrors = messages;
      if (this.fieldErrors.length === 0) {
        this.fieldErrors = ['The settings could not be saved.'];
      }
      this.showFieldErrors = true;
      this.focusTextarea();
    } finally {
      this.saving = false;
    }
  }

  get savedMessage() {
    const count = this.savedText === '' ? 0 : this.savedText.split(',').length;
    if (count === 0) {
      return 'Saved. No objects are excluded.';
    }
    return count === 1
      ? 'Saved. 1 object is excluded from future backups.'
      : `Saved. ${count} objects are excluded from future backups.`;
  }

  setText(text) {
    this.text = text;
    this.textareaStale = true;
  }

  setBudgetText(text) {
    this.budgetText = text;
    this.budgetStale = true;
  }

  renderedCallback() {
    const textarea = this.template.querySelector('textarea');
    if (textarea && this.textareaStale) {
      textarea.value = this.text;
      this.textareaStale = false;
    }
    const budget = this.template.querySelector('input.api-budget');
    if (budget && this.budgetStale) {
      budget.value = this.budgetText;
      this.budgetStale = false;
    }
  }

  focusBudget() {
    const budget = this.template.querySelector('input.api-budget');
    if (budget) {
      budget.focus();
    }
  }

  focusTextarea() {
    const textarea = this.template.querySelector('textarea');
    if (textarea) {
      textarea.focus();
    }
  }
}
