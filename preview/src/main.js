/**
 * The preview page: Lightning renders the Auto Backup tab (c-auto-backup-app) in its app; with
 * `?record=<Object>/<Id>` it renders Backup History (c-backup-history) as a record page would, with the
 * record's object and id. Synthetic shadow comes first, as in Lightning Experience.
 */
import '@lwc/synthetic-shadow';
import { createElement } from 'lwc';
import AutoBackupApp from 'c/autoBackupApp';
import BackupHistory from 'c/backupHistory';

const root = document.getElementById('root');
const record = new URLSearchParams(window.location.search).get('record');
const [objectApiName, recordId] = (record || '').split('/');
if (objectApiName && recordId) {
  document.title = `Backup History — ${objectApiName} ${recordId}`;
  const history = createElement('c-backup-history', { is: BackupHistory });
  history.objectApiName = objectApiName;
  history.recordId = recordId;
  const card = document.createElement('article');
  card.className = 'slds-card slds-p-around_small';
  card.setAttribute('aria-label', `Backup History of ${objectApiName} ${recordId}`);
  card.appendChild(history);
  root.appendChild(card);
} else {
  root.appendChild(createElement('c-auto-backup-app', { is: AutoBackupApp }));
}
