// `npm run admin -- <command>` (and `docker compose run --rm admin <command>`): tenants and API keys.
// Applies pending migrations first, so it works on a clean database.
import { connectPostgres, runMain } from '../../platform/bootstrap';
import { migrate } from '../../platform/db/migrate';
import { AdminInputError, runAdminCommand, USAGE } from './commands';

const argv = process.argv.slice(2);
if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
  // Asked for: usage on stdout, exit 0; no command at all: usage on stderr, exit 1.
  (argv.length === 0 ? process.stderr : process.stdout).write(`${USAGE}\n`);
  process.exit(argv.length === 0 ? 1 : 0);
}

runMain('admin', async (config) => {
  const pool = await connectPostgres(config);
  try {
    const applied = await migrate(pool);
    if (applied.length) process.stderr.write(`admin: applied migrations ${applied.join(', ')}\n`);
    await runAdminCommand(pool, argv, {
      out: (line) => process.stdout.write(`${line}\n`),
      note: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (err) {
    if (!(err instanceof AdminInputError)) throw err;
    process.stderr.write(`admin: ${err.message}\n`);
    process.exitCode = 1;
  } finally {
    await pool.end();
  }
});
