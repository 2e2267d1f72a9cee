// API process entry point: connects stores and Temporal, serves the Express app on loopback by
// default, and drains in-flight requests on SIGTERM/SIGINT.
import { Client } from '@temporalio/client';
import { connectMongoStores, connectPostgres, connectTemporalClient, runMain } from '../bootstrap';
import { createLogger } from '../logger';
import { createApp } from './app';

runMain('api', async (config) => {
  const log = createLogger(config.logLevel, 'api');
  const pool = await connectPostgres(config);
  const mongo = await connectMongoStores(config);
  const connection = await connectTemporalClient(config);
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const app = createApp({ config, pool, mongo, temporal, log });
  const server = app.listen(config.api.port, config.api.host, () => {
    log.info({ url: config.api.publicUrl }, 'api listening');
  });
  server.on('error', (err) => {
    process.stderr.write(
      `api: configuration error: API_PORT: cannot listen on ${config.api.host}:${config.api.port}: ${(err as NodeJS.ErrnoException).code}\n`,
    );
    process.exit(1);
  });
  const shutdown = () => {
    log.info('api draining');
    server.close(() => {
      void Promise.all([pool.end(), mongo.client.close(), connection.close()]).then(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 30_000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
});
