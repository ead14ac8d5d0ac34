import { LightningElement } from 'lwc';
import getSettings from '@salesforce/apex/AutoBackupSettingsController.getSettings';
import saveSettings from '@salesforce/apex/AutoBackupSettingsController.saveSettings';
import { Loader } from 'c/dataLoader';
import { isSettingsConflict, reduceErrors } from 'c/ldsUtils';
import { loadCanManage } from 'c/managePermission';
import { parseExclusions, unknownNames, unknownNamesMessage } from './exclusions';
import { loadKnownObjects } from './knownObjects';
import { entryAt, pickInto, suggestionsFor } from './objectSuggestions';

const SCHEDULES = [
  {
    value: 'continuous',
    label: 'Continuous',
    description:
      'New and changed records are picked up all day: busy objects every few minutes, quiet ones at least hourly.',
  },
  {
    value: 'daily',
    label: 'Daily',
    description: 'Each object is backed up once a day, at a time of its own. Uses the fewest API calls.',
  },
];

/**
 * Settings, all in one place: the backup schedule (continuous or daily), "Auto Backup Exclusions"
 * and the API budget share. Only holders of the Auto Backup Admin permission set can save.
 *
 * Exclusions are typed as a comma-separated list of object API names. The field is an SLDS
 * autocomplete combobox: while the user types, the objects the service knows for the org whose API
 * name or label contains the entry under the caret are suggested (arrow keys move, Enter picks,
 * Escape closes). Before saving, the list is checked for form (empty entries, characters an API name
 * cannot have, duplicates) and against the objects the service knows, as the service itself checks
 * them (every object it listed, in any case): a name it would refuse is named next to the field and
 * nothing is sent. When the objects could not be loaded, the service's answer decides.
 *
 * The API budget share is the percent (5 to 100) of the org's daily API allowance Auto Backup may
 * use; it is sent only when the user changed it (absent means unchanged to the service), and so is
 * the schedule.
 *
 * A save names the version of the settings on screen (from getSettings or the last save). When
 * someone else changed the settings since, nothing is saved: the component says so and shows the
 * settings as they are now, so the user can make the change again knowingly.
 */
export default class BackupSettings extends LightningElement {
  text = '';
  savedText = '';
  schedule;
  savedSchedule;
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
  // The objects the service knows (loadKnownObjects); undefined until loaded or when that failed.
  objects;
  suggestions = [];
  activeIndex = -1;
  // The entry under the caret the suggestions are for ({ start, end, text }).
  entry;
  // Native inputs' values are properties the template cannot bind; they are written after render.
  exclusionsStale = true;
  budgetStale = true;
  pendingCaret;
  loader = new Loader(this, { busyFields: ['loading', 'reloading'], errorField: 'loadError' });

  connectedCallback() {
    this.load();
    this.loadPermission();
    this.loadObjects();
  }

  /** Loads the settings; `busyField` 'reloading' keeps the form on screen meanwhile. */
  load(busyField = 'loading') {
    return this.loader.load(
      () => getSettings(),
      (settings) => this.showStored(settings),
      busyField,
    );
  }

  /** Loads the objects the service knows; without them, the service alone checks the names. */
  async loadObjects() {
    try {
      this.objects = await loadKnownObjects();
    } catch {
      this.objects = undefined;
    }
  }

  /** Shows the settings as the service stored them, and remembers their version. */
  showStored(settings) {
    this.version = settings ? settings.version : undefined;
    this.savedText = ((settings && settings.exclusions) || []).join(', ');
    this.savedSchedule = settings ? settings.schedule : undefined;
    this.schedule = this.savedSchedule;
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

  // ── schedule ──────────────────────────────────────────────────────────────────────────────────

  get scheduleOptions() {
    return SCHEDULES.map((option) => ({
      ...option,
      id: `schedule-${option.value}`,
      descriptionId: `schedule-${option.value}-help`,
      checked: option.value === this.schedule,
    }));
  }

  handleScheduleChange(event) {
    this.schedule = event.target.value;
    this.saved = false;
  }

  // ── exclusions ────────────────────────────────────────────────────────────────────────────────

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

  get listboxOpen() {
    return this.suggestions.length > 0;
  }

  get comboboxClass() {
    const base = 'slds-combobox slds-dropdown-trigger slds-dropdown-trigger_click';
    return this.listboxOpen ? `${base} slds-is-open` : base;
  }

  get ariaExpanded() {
    return String(this.listboxOpen);
  }

  get listboxId() {
    return this.listboxOpen ? 'exclusions-listbox' : undefined;
  }

  get activeOptionId() {
    return this.listboxOpen && this.activeIndex >= 0 ? `exclusions-option-${this.activeIndex}` : undefined;
  }

  get suggestionItems() {
    return this.suggestions.map((object, index) => {
      const active = index === this.activeIndex;
      return {
        key: object.name,
        id: `exclusions-option-${index}`,
        index,
        name: object.name,
        label: object.label,
        selected: String(active),
        className: active
          ? 'slds-media slds-listbox__option slds-listbox__option_entity slds-listbox__option_has-meta slds-has-focus'
          : 'slds-media slds-listbox__option slds-listbox__option_entity slds-listbox__option_has-meta',
      };
    });
  }

  get suggestionsStatus() {
    if (!this.listboxOpen) {
      return '';
    }
    const count = this.suggestions.length;
    return count === 1 ? '1 object suggested.' : `${count} objects suggested.`;
  }

  /** The problems with the typed list: its form, then names the service would not know. */
  exclusionErrors() {
    const { names, errors } = parseExclusions(this.text);
    if (this.objects) {
      const unknown = unknownNamesMessage(unknownNames(names, this.objects.known));
      if (unknown) {
        errors.push(unknown);
      }
    }
    return { names, errors };
  }

  /** Suggestions for the entry under the caret of `input`; closed when nothing matches. */
  suggest(input) {
    if (!this.objects) {
      this.closeSuggestions();
      return;
    }
    this.entry = entryAt(this.text, input.selectionStart);
    const listed = new Set(parseExclusions(this.text).names.map((name) => name.toLowerCase()));
    this.suggestions = suggestionsFor(this.entry.text, this.objects.suggestible, listed);
    this.activeIndex = -1;
  }

  closeSuggestions() {
    this.suggestions = [];
    this.activeIndex = -1;
  }

  pick(index) {
    const object = this.suggestions[index];
    if (!object || !this.entry) {
      return;
    }
    const picked = pickInto(this.text, this.entry, object.name);
    this.setText(picked.text);
    this.pendingCaret = picked.caret;
    this.saved = false;
    this.closeSuggestions();
    if (this.showFieldErrors) {
      this.fieldErrors = this.exclusionErrors().errors;
    }
  }

  // ── state of the form ─────────────────────────────────────────────────────────────────────────

  get busy() {
    return this.saving || this.reloading;
  }

  get fieldsDisabled() {
    return !this.canManage || this.busy;
  }

  get scheduleChanged() {
    return this.schedule !== this.savedSchedule;
  }

  get changed() {
    return this.text !== this.savedText || this.budgetText !== this.savedBudgetText || this.scheduleChanged;
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

  // ── events ────────────────────────────────────────────────────────────────────────────────────

  handleInput(event) {
    this.text = event.target.value;
    this.saved = false;
    this.suggest(event.target);
    // Once problems are on screen, keep them current while the user fixes them.
    if (this.showFieldErrors) {
      this.fieldErrors = this.exclusionErrors().errors;
    }
  }

  handleKeyDown(event) {
    const count = this.suggestions.length;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        event.preventDefault();
        if (count === 0) {
          this.suggest(event.target);
          this.activeIndex = this.suggestions.length > 0 ? 0 : -1;
          return;
        }
        const step = event.key === 'ArrowDown' ? 1 : -1;
        const from = this.activeIndex < 0 && step < 0 ? 0 : this.activeIndex;
        this.activeIndex = (from + step + count) % count;
        break;
      }
      case 'Enter':
        if (count > 0 && this.activeIndex >= 0) {
          event.preventDefault();
          this.pick(this.activeIndex);
        }
        break;
      case 'Escape':
        if (count > 0) {
          // Closes the list only, not whatever holds the form.
          event.preventDefault();
          event.stopPropagation();
          this.closeSuggestions();
        }
        break;
      case 'Tab':
        this.closeSuggestions();
        break;
      default:
    }
  }

  handleOptionMouseDown(event) {
    // Keeps the focus in the field, so picking does not count as leaving it.
    event.preventDefault();
  }

  handleOptionClick(event) {
    this.pick(Number(event.currentTarget.dataset.index));
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
    this.closeSuggestions();
    this.fieldErrors = this.text === this.savedText ? [] : this.exclusionErrors().errors;
    this.showFieldErrors = this.fieldErrors.length > 0;
  }

  handleCancel() {
    this.setText(this.savedText);
    this.setBudgetText(this.savedBudgetText);
    this.schedule = this.savedSchedule;
    this.budgetError = undefined;
    this.fieldErrors = [];
    this.showFieldErrors = false;
    this.saved = false;
    this.conflictError = undefined;
    this.closeSuggestions();
  }

  handleRetry() {
    this.load();
  }

  async handleSave() {
    this.closeSuggestions();
    let { names, errors } = this.exclusionErrors();
    if (errors.length > 0 && this.objects && unknownNames(names, this.objects.known).length > 0) {
      // An object created since the list was read may have been scanned meanwhile: read it again.
      await this.loadObjects();
      ({ names, errors } = this.exclusionErrors());
    }
    this.fieldErrors = errors;
    this.showFieldErrors = errors.length > 0;
    // An untouched share is not sent, so the service keeps what it stores.
    const budgetChanged = this.budgetText !== this.savedBudgetText;
    const budget = budgetChanged ? this.parseBudget() : { percent: null };
    this.budgetError = budget.error;
    if (errors.length > 0) {
      this.focusExclusions();
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
        schedule: this.scheduleChanged ? this.schedule : null,
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
      this.focusExclusions();
    } finally {
      this.saving = false;
    }
  }

  get savedMessage() {
    const count = this.savedText === '' ? 0 : this.savedText.split(',').length;
    const schedule = this.savedSchedule === 'daily' ? 'daily' : 'continuously';
    if (count === 0) {
      return `Saved. Backups run ${schedule}; no objects are excluded.`;
    }
    return count === 1
      ? `Saved. Backups run ${schedule}; 1 object is excluded from future backups.`
      : `Saved. Backups run ${schedule}; ${count} objects are excluded from future backups.`;
  }

  setText(text) {
    this.text = text;
    this.exclusionsStale = true;
  }

  setBudgetText(text) {
    this.budgetText = text;
    this.budgetStale = true;
  }

  renderedCallback() {
    const field = this.template.querySelector('input.exclusions');
    if (field && this.exclusionsStale) {
      field.value = this.text;
      this.exclusionsStale = false;
      if (this.pendingCaret !== undefined) {
        field.setSelectionRange(this.pendingCaret, this.pendingCaret);
        this.pendingCaret = undefined;
      }
    }
    const budget = this.template.querySelector('input.api-budget');
    if (budget && this.budgetStale) {
      budget.value = this.budgetText;
      this.budgetStale = false;
    }
    // Keeps the option the arrow keys reached in view when the list scrolls.
    const active = this.activeIndex >= 0 && this.template.querySelector('[aria-selected="true"]');
    if (active && typeof active.scrollIntoView === 'function') {
      active.scrollIntoView({ block: 'nearest' });
    }
  }

  focusBudget() {
    const budget = this.template.querySelector('input.api-budget');
    if (budget) {
      budget.focus();
    }
  }

  focusExclusions() {
    const field = this.template.querySelector('input.exclusions');
    if (field) {
      field.focus();
    }
  }
}
