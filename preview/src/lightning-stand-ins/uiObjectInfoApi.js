/**
 * Stand-in for `lightning/uiObjectInfoApi` (Lightning Data Service, only inside Salesforce). The
 * preview has no UI API, so `getObjectInfo` answers no data, as in Salesforce for a user without access
 * to the describe: Backup History then names fields by API name instead of label.
 */
export class getObjectInfo {
  constructor(dataCallback) {
    this.dataCallback = dataCallback;
  }

  connect() {}

  disconnect() {}

  update() {
    this.dataCallback({ data: undefined, error: undefined });
  }
}
