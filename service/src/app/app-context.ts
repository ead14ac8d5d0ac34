/**
 * What the use cases run against, whichever door called them (HTTP handler or CLI command): the database and
 * bucket behind the store, the configuration, a logger and the clock.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { StoreContext } from '../store/store-context.js';

export interface AppContext {
  config: Config;
  logger: Logger;
  store: StoreContext;
  now(): Date;
}
