// What every route is built from: the settings, the stores, the Temporal client, the log, the drain and the
// metrics. Its own module so that the capabilities' routes and the app that mounts them do not import each other.
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { AppConfig } from '../config';
import type { MongoStores } from '../db/mongo';
import type { Logger } from '../logger';
import type { ApiDrain } from './drain';
import type { ApiMetrics } from './metrics';

export interface ApiDeps {
  config: AppConfig;
  pool: Pool;
  mongo: MongoStores;
  temporal: Client;
  log: Logger;
  /** Refuses new requests once the process is shutting down (server.ts starts it on SIGTERM). */
  drain: ApiDrain;
  /** The app's Prometheus metrics (GET /metrics); each app makes its own unless given. */
  metrics: ApiMetrics;
}
