/**
 * Every migration of the service database, keyed by a sortable name; `db/migrate.ts` applies them in
 * key order. Add new ones at the end, never edit one that has shipped.
 */
import type { Knex } from 'knex';
import * as dataModel from './0001_data_model.js';
import * as engineState from './0002_engine_state.js';
import * as serviceApi from './0003_service_api.js';
import * as openErrorOnce from './0004_open_error_once.js';

export interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const migrations: Record<string, Migration> = {
  '0001_data_model': dataModel,
  '0002_engine_state': engineState,
  '0003_service_api': serviceApi,
  '0004_open_error_once': openErrorOnce,
};
