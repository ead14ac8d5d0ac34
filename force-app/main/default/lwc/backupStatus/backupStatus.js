/**
 * What each Auto Backup status means, in one line for users, and how it is coloured
 * (SLDS badge themes). The overall statuses come from the dashboard, the object statuses from the
 * object list (see the service HTTP API in docs/CONTRACTS.md).
 *
 * Example: describeOverallStatus('Paused', 'files') →
 *   { label: 'Paused (files)', meaning: 'File backups are paused …', badgeClass: 'slds-badge slds-theme_warning' }
 */
const OVERALL = {
  Backfilling: {
    meaning: 'Backing up the history of the org: at least one object has never been fully backed up.',
    theme: 'slds-badge_inverse',
  },
  Behind: {
    meaning: 'Every object was fully backed up once, but at least one has fallen behind its schedule.',
    theme: 'slds-theme_warning',
  },
  'Running Continuously': {
    meaning: 'Up to date: every object is backed up within the delay its schedule promises.',
    theme: 'slds-theme_success',
  },
  Paused: {
    meaning: 'A user has paused Auto Backup.',
    theme: 'slds-theme_warning',
  },
  Error: {
    meaning: 'Auto Backup ran into errors while backing up data. The Errors tab lists them.',
    theme: 'slds-theme_error',
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
  Waiting: { meaning: 'Caught up; waiting for new changes.', theme: 'slds-theme_success' },
  Running: { meaning: 'Nearly caught up; backing up recent changes.', theme: 'slds-badge_inverse' },
  Backfilling: { meaning: 'Still backing up the records that existed before.', theme: 'slds-badge_inverse' },
  Paused: { meaning: 'Not backed up while Auto Backup is paused.', theme: 'slds-theme_warning' },
  Excluded: { meaning: 'Not backed up: listed in Auto Backup Exclusions.', theme: 'slds-badge_lightest' },
  Unavailable: {
    meaning: 'Not backed up: the integration user can no longer read this object.',
    theme: 'slds-theme_warning',
  },
  Error: { meaning: 'The last backup of this object failed.', theme: 'slds-theme_error' },
};

/** Object statuses in the order the filter offers them. */
export const OBJECT_STATUSES = Object.keys(OBJECT);

function unknownStatus(status) {
  return {
    label: status ? String(status) : 'Unknown',
    meaning: 'The backup service reported a status this version of the package does not know.',
    badgeClass: 'slds-badge',
  };
}

/** Label, meaning and badge class of an overall status; pausedScope refines Paused. */
export function describeOverallStatus(status, pausedScope) {
  const entry = OVERALL[status];
  if (!entry) {
    return unknownStatus(status);
  }
  const scope = status === 'Paused' ? PAUSED_SCOPE[pausedScope] : undefined;
  return {
    label: scope ? scope.label : status,
    meaning: scope ? scope.meaning : entry.meaning,
    badgeClass: `slds-badge ${entry.theme}`,
  };
}

// Why a Waiting object waits (the object list's `waitingFor`).
const WAITING_FOR = {
  'api-budget': {
    label: 'Waiting (API budget)',
    meaning:
      "Waiting until Auto Backup's share of the org's daily API allowance frees up; it goes on by itself.",
    theme: 'slds-theme_warning',
  },
};

/** Label, meaning and badge class of one object's status; `waitingFor` says why a Waiting object waits. */
export function describeObjectStatus(status, waitingFor) {
  const entry = OBJECT[status];
  if (!entry) {
    return unknownStatus(status);
  }
  const reason = status === 'Waiting' && WAITING_FOR[waitingFor];
  if (reason) {
    return { label: reason.label, meaning: reason.meaning, badgeClass: `slds-badge ${reason.theme}` };
  }
  return { label: status, meaning: entry.meaning, badgeClass: `slds-badge ${entry.theme}` };
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
