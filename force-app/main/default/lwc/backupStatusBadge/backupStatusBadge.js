import { LightningElement, api } from 'lwc';
import { describeObjectStatus, describeOverallStatus } from 'c/backupStatus';

/**
 * One Auto Backup status as an SLDS badge: the tone's colour, its icon and the label, with the
 * meaning as the tooltip (c/backupStatus says which). The icon is decorative: the label names the
 * status, so colour and icon only repeat it.
 *
 * `kind` is `overall` (the dashboard's status, refined by `pausedScope`) or `object` (one object's,
 * refined by `waitingFor`).
 *
 * Example: <c-backup-status-badge kind="object" status="Waiting" waiting-for="api-budget">
 */
export default class BackupStatusBadge extends LightningElement {
  @api kind = 'object';
  @api status;
  @api pausedScope;
  @api waitingFor;

  get look() {
    return this.kind === 'overall'
      ? describeOverallStatus(this.status, this.pausedScope)
      : describeObjectStatus(this.status, this.waitingFor);
  }

  /** The icon's place in the badge, left of the label (SLDS badge blueprint); white on dark themes. */
  get iconClass() {
    const inverse = this.look.iconVariant === 'inverse' ? ' slds-badge__icon_inverse' : '';
    return `slds-badge__icon slds-badge__icon_left${inverse}`;
  }
}
