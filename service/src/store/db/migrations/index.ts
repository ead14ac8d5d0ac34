/**
 * Every migration of the service database, keyed by a sortable name; `db/migrate.ts` applies them in
 * key order. Add new ones at the end, never edit one that has shipped. A migration must keep working with the
 * code of the previous release (expand/contract, see "Rolling upgrades" in docs/ARCHITECTURE.md).
 */
import type { Knex } from 'knex';
import * as dataModel from './0001_data_model.js';
import * as engineState from './0002_engine_state.js';
import * as serviceApi from './0003_service_api.js';
import * as openErrorOnce from './0004_open_error_once.js';
import * as schemaRequirements from './0005_schema_requirements.js';
import * as scheduling from './0006_scheduling.js';
import * as fieldCoverage from './0007_field_coverage.js';
import * as progressMarkers from './0008_progress_markers.js';
import * as erasures from './0009_erasures.js';
import * as fileBodies from './0010_file_bodies.js';
import * as fieldHistory from './0011_field_history.js';
import * as apiBudget from './0012_api_budget.js';

export interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
  /**
   * The oldest migration a running replica must know once this one is applied (this one's own name when it
   * breaks older code). Absent: what the migration before it required, so replicas of the previous release keep
   * running.
   */
  readonly replicasMustKnow?: string;
}

export const migrations: Record<string, Migration> = {
  '0001_data_model': dataModel,
  '0002_engine_state': engineState,
  '0003_service_api': serviceApi,
  '0004_open_error_once': openErrorOnce,
  '0005_schema_requirements': schemaRequirements,
  '0006_scheduling': scheduling,
  '0007_field_coverage': fieldCoverage,
  '0008_progress_markers': progressMarkers,
  '0009_erasures': erasures,
  '0010_file_bodies': fileBodies,
  '0011_field_history': fieldHistory,
  '0012_api_budget': apiBudget,
};
