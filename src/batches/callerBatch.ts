// The batch a request names, if the caller's tenant tree holds it: another tenant's batch is 404 like a missing one.
import type { Pool } from 'pg';
import { BatchRecord, findBatch } from './store';
import type { Caller } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

export async function findCallerBatch(pool: Pool, caller: Caller, batchId: string): Promise<BatchRecord> {
  const batch = await findBatch(pool, batchId, caller.tenantTree);
  if (!batch) throw new ProblemError(404, 'NOT_FOUND', `no batch ${batchId}`);
  return batch;
}
