/**
 * What each Auto Backup status means, in one line for users, and how it is shown: a tone with its
 * SLDS badge theme and a utility icon, so no status is told by colour alone. The tones follow
 * Lightning's use of them: success (caught up), in progress (brand blue: working through data),
 * warning (paused, behind, waiting for the API budget), error (failed, or access lost), neutral
 * (excluded). The overall statuses come from the dashboard, the object statuses from the object list
 * (see the service HTTP API in docs/CONTRACTS.md). c-backup-status-badge renders one.
 *
 * Example: describeOverallStatus('Paused', 'files') →
 *   { label: 'Paused (files)', meaning: 'File backups are paused …', tone: 'warning',
 *     badgeClass: 'slds-badge slds-theme_warning', iconName: 'utility:pause', iconVariant: '' }
 */

// One entry per tone: the SLDS badge theme and the icon variant that stays legible on it
// (`inverse` is white; the warning theme colours its own icons dark, neutral keeps the default grey).
const TONES = {
  success: { theme: 'slds-theme_success', iconVariant: 'inverse' },
  'in-progress': { theme: 'slds-theme_alt-inverse', iconVariant: 'inverse' },
  warning: { theme: 'slds-theme_warning', iconVariant: '' },
  error: { theme: 'slds-theme_error', iconVariant: 'inverse' },
  neutral: { theme: 'slds-badge_lightest', iconVariant: '' },
};

const OVERALL = {
  Backfilling: {
    meaning: 'Backing up the history of the org: at least one object has never been fully backed up.',
    tone: 'in-progress',
    iconName: 'utility:download',
  },
  Behind: {
    meaning: 'Every object was fully backed up once, but at least one has fallen behind its schedule.',
    tone: 'warning',
    iconName: 'utility:warning',
  },
  'Running Continuously': {
    meaning: 'Up to date: every object is backed up within the delay its schedule promises.',
    tone: 'success',
    iconName: 'utility:success',
  },
  Paused: {
    meaning: 'A user has paused Auto Backup.',
    tone: 'warning',
    iconName: 'utility:pause',
  },
  Error: {
    meaning: 'Auto Backup ran into errors while backing up data. The Errors tab lists them.',
    tone: 'error',
    iconName: 'utility:error',
  },
};

const PAUSED_SCOPE = {
  files: {
    label: 'Paused (files)',
    meaning: 'File backups are paused by a user; records are still backed up.',
  },
  all: {
    label: 'Paused (records and files)',
    meaning: 'All backups are paused by a user: neither records nor files are backed up.',
  },
};

const OBJECT = {
  Waiting: {
    meaning: 'Caught up; waiting for new changes.',
    tone: 'success',
    iconName: 'utility:success',
  },
  Running: {
    meaning: 'Nearly caught up; backing up recent changes.',
    tone: 'in-progress',
    iconName: 'utility:sync',
  },
  Backfilling: {
    meaning: 'Still backing up the records that existed before.',
    tone: 'in-progress',
    iconName: 'utility:download',
  },
  Paused: {
    meaning: 'Not backed up while Auto Backup is paused.',
    tone: 'warning',
    iconName: 'utility:pause',
  },
  Excluded: {
    meaning: 'Not backed up: listed in Auto Backup Exclusions.',
    tone: 'neutral',
    iconName: 'utility:hide',
  },
  Unavailable: {
    meaning: 'Not backed up: the integration user can no longer read this object.',
    tone: 'error',
    iconName: 'utility:lock',
  },
  Error: {
    meaning: 'The last backup of this object failed.',
    tone: 'error',
    iconName: 'utility:error',
  },
};

/** Object statuses in the order the filter offers them. */
export const OBJECT_STATUSES = Object.keys(OBJECT);

/** The tones a status can have, for tests and legends. */
export const STATUS_TONES = Object.keys(TONES);

/** The full description of a status from its label, meaning, tone and icon. */
function presented(label, meaning, tone, iconName) {
  const look = TONES[tone];
  return {
    label,
    meaning,
    tone,
    badgeClass: `slds-badge ${look.theme}`,
    iconName,
    iconVariant: look.iconVariant,
  };
}

function unknownStatus(status) {
  return {
    label: status ? String(status) : 'Unknown',
    meaning: 'The backup service reported a status this version of the package does not know.',
    tone: 'unknown',
    badgeClass: 'slds-badge',
    iconName: 'utility:question',
    iconVariant: '',
  };
}

/** Label, meaning, tone, badge class and icon of an overall status; pausedScope refines Paused. */
export function describeOverallStatus(status, pausedScope) {
  const entry = OVERALL[status];
  if (!entry) {
    return unknownStatus(status);
  }
  const scope = status === 'Paused' ? PAUSED_SCOPE[pausedScope] : undefined;
  return presented(
    scope ? scope.label : status,
    scope ? scope.meaning : entry.meaning,
    entry.tone,
    entry.iconName,
  );
}

// Why a Waiting object waits (the object list's `waitingFor`).
const WAITING_FOR = {
  'api-budget': {
    label: 'Waiting (API budget)',
    meaning:
      "Waiting until Auto Backup's share of the org's daily API allowance frees up; it goes on by itself.",
    tone: 'warning',
    iconName: 'utility:clock',
  },
};

/** Label, meaning, tone, badge class and icon of one object's status; `waitingFor` says why a Waiting object waits. */
export function describeObjectStatus(status, waitingFor) {
  const entry = OBJECT[status];
  if (!entry) {
    return unknownStatus(status);
  }
  const reason = status === 'Waiting' && WAITING_FOR[waitingFor];
  if (reason) {
    return presented(reason.label, reason.meaning, reason.tone, reason.iconName);
  }
  return presented(status, entry.meaning, entry.tone, entry.iconName);
}

/** The meaning of every object status, for a legend. */
export function objectStatusLegend() {
  const statuses = OBJECT_STATUSES.map((status) => ({ status, ...describeObjectStatus(status) }));
  const reasons = Object.keys(WAITING_FOR).map((reason) => ({
    status: `Waiting-${reason}`,
    ...describeObjectStatus('Waiting', reason),
  }));
  return [...statuses, ...reasons];
}
