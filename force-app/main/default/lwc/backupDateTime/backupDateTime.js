import { LightningElement, api } from 'lwc';

const PRECISIONS = ['day', 'minute', 'second'];

/**
 * A moment the backup service reported (an ISO 8601 timestamp), shown the one way the package
 * shows times: in the user's locale and time zone, e.g. "Nov 25, 2026, 08:12 AM".
 * `precision` is 'minute' by default; 'second' for record versions, which can be seconds apart;
 * 'day' leaves the time of day out.
 */
export default class BackupDateTime extends LightningElement {
  @api value;

  @api
  get precision() {
    return this._precision;
  }
  set precision(value) {
    if (!PRECISIONS.includes(value)) {
      throw new TypeError(`precision must be one of ${PRECISIONS.join(', ')}, got ${JSON.stringify(value)}`);
    }
    this._precision = value;
  }

  _precision = 'minute';

  get timeParts() {
    const withTime = this._precision !== 'day';
    return {
      hour: withTime ? '2-digit' : undefined,
      minute: withTime ? '2-digit' : undefined,
      second: this._precision === 'second' ? '2-digit' : undefined,
    };
  }
}
