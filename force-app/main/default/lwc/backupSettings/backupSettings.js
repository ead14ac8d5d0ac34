import { LightningElement } from 'lwc';
import getSettings from '@salesforce/apex/AutoBackupSettingsController.getSettings';
import saveExclusions from '@salesforce/apex/AutoBackupSettingsController.saveExclusions';
import { Loader } from 'c/dataLoader';
import { reduceErrors } from 'c/ldsUtils';
import { loadCanManage } from 'c/managePermission';
import { parseExclusions } from './exclusions';

/**
 * Settings: "Auto Backup Exclusions", the objects the user leaves out of future backups, typed as a
 * comma-separated list. Checked here before saving (empty entries, characters an API name cannot
 * have, duplicates); names the org does not have are reported by the service. Only holders of the
 * Auto Backup Admin permission set can save.
 */
export default class BackupSettings extends LightningElement {
  text = '';
  savedText = '';
  fieldErrors = [];
  loadError;
  loading = true;
  saving = false;
  saved = false;
  canManage = false;
  showFieldErrors = false;
  // A native textarea's text is a property the template cannot bind; it is written after render.
  textareaStale = true;
  loader = new Loader(this, { errorField: 'loadError' });

  connectedCallback() {
    this.load();
    this.loadPermission();
  }

  load() {
    return this.loader.load(
      () => getSettings(),
      (settings) => {
        this.savedText = ((settings && settings.exclusions) || []).join(', ');
        this.setText(this.savedText);
      },
    );
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

  get textareaDisabled() {
    return !this.canManage || this.saving;
  }

  get saveDisabled() {
    return !this.canManage || this.saving || this.text === this.savedText;
  }

  get cancelDisabled() {
    return this.saving || this.text === this.savedText;
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

  handleBlur() {
    this.fieldErrors = parseExclusions(this.text).errors;
    this.showFieldErrors = this.fieldErrors.length > 0;
  }

  handleCancel() {
    this.setText(this.savedText);
    this.fieldErrors = [];
    this.showFieldErrors = false;
    this.saved = false;
  }

  handleRetry() {
    this.load();
  }

  async handleSave() {
    const { names, errors } = parseExclusions(this.text);
    this.fieldErrors = errors;
    this.showFieldErrors = errors.length > 0;
    if (errors.length > 0) {
      this.focusTextarea();
      return;
    }
    this.saving = true;
    this.saved = false;
    try {
      const settings = await saveExclusions({ exclusions: names.join(', ') });
      this.savedText = ((settings && settings.exclusions) || []).join(', ');
      this.setText(this.savedText);
      this.saved = true;
    } catch (error) {
      // The service's answer is about the field's content (e.g. an object the org does not have).
      this.fieldErrors = reduceErrors(error);
      if (this.fieldErrors.length === 0) {
        this.fieldErrors = ['The exclusions could not be saved.'];
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

  renderedCallback() {
    const textarea = this.template.querySelector('textarea');
    if (textarea && this.textareaStale) {
      textarea.value = this.text;
      this.textareaStale = false;
    }
  }

  focusTextarea() {
    const textarea = this.template.querySelector('textarea');
    if (textarea) {
      textarea.focus();
    }
  }
}
