// `npm run migrate`: applies pending PostgreSQL migrations and MongoDB indexes, then exits.
import { connectMongoStores, connectPostgres, runMain } from '../bootstrap';
import { migrate } from './migrate';
import { closeMongo } from './mongo';

runMain('migrate', async (config) => {
  const pool = await connectPostgres(config);
  const applied = await migrate(pool);
  const mongo = await connectMongoStores(config);
  process.stdout.write(applied.length ? `applied migrations: ${applied.join(', ')}\n` : 'schema up to date\n');
  await Promise.all([pool.end(), closeMongo(mongo)]);
});
