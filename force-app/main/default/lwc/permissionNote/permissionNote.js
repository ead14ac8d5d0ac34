import { LightningElement, api } from 'lwc';

/** The permission set that lets a user change Auto Backup (force-app/main/default/permissionsets). */
export const ADMIN_PERMISSION_SET = 'Auto Backup Admin';

/**
 * Tells a user without the Auto Backup Admin permission set why a control is read-only, e.g.
 * `<c-permission-note action="change these settings">`. Spacing comes from the host's classes.
 */
export default class PermissionNote extends LightningElement {
  /** What the permission set allows here, completing "… can <action>." */
  @api
  get action() {
    return this._action;
  }
  set action(value) {
    if (typeof value !== 'string' || value.trim() === '') {
      throw new TypeError(`action must name what the permission allows, got ${JSON.stringify(value)}`);
    }
    this._action = value;
  }

  _action = 'change Auto Backup';

  get text() {
    return `Only users with the ${ADMIN_PERMISSION_SET} permission set can ${this._action}.`;
  }
}
