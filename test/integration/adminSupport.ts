// Runs `npm run admin` (the compiled entry point, src/tenants/admin/main.ts) as a child process against a
// database of the test's choosing (a clean one: createCleanDatabases in the harness).
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

const ADMIN_SCRIPT = join(resolve(__dirname, '..', '..'), 'dist-test', 'tenants', 'admin', 'main.js');

export interface AdminRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runAdmin(args: string[], env: Record<string, string>): Promise<AdminRun> {
  return new Promise((resolveRun) => {
    execFile(process.execPath, [ADMIN_SCRIPT, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
      resolveRun({ code, stdout, stderr });
    });
  });
}
