// The pause and resume operations of the OpenAPI document (beside pauseRoutes.ts).
import { PathItem, answer, authErrors, batchId, problem } from '../platform/openapi/operations';

const batch = {
  batchId: '0b7c2f0e-5d7e-4c4a-9d55-1f1f3c6a2b10',
  links: { self: 'https://devices.example.net/v1/batches/0b7c2f0e-5d7e-4c4a-9d55-1f1f3c6a2b10' },
};

const operation = (command: 'pause' | 'resume', summary: string, description: string, example: unknown): PathItem => ({
  post: {
    operationId: `${command}Batch`,
    summary,
    description,
    tags: ['batches'] as ['batches'],
    parameters: [batchId],
    responses: {
      200: answer('The status the batch shows now.', 'BatchRunControlled', example),
      404: problem('No such batch in your tenant tree.', 'notFound'),
      409: problem('The batch has not started, has ended, or is ending (cancelled or past its failure threshold).', 'conflict'),
      ...authErrors,
    },
  },
});

export const batchPausePaths: Record<string, PathItem> = {
  '/batches/{id}/pause': operation(
    'pause',
    'Pause a started batch',
    'No new device starts; those running finish and keep their result. The batch shows PAUSED (in GET /v1/batches/{id}, the list, ' +
      'the live event stream and the Temporal Web UI) until resumed; it can still be cancelled. Pausing a paused batch answers PAUSED.',
    { ...batch, status: 'PAUSED' },
  ),
  '/batches/{id}/resume': operation(
    'resume',
    'Resume a paused batch',
    'Devices start again: the batch shows RUNNING, or SCHEDULED / WAITING_FOR_WORKING_HOURS if it still waits for its start or ' +
      "for the target tenant's working hours. Resuming a batch that is not paused answers its status.",
    { ...batch, status: 'RUNNING' },
  ),
};
