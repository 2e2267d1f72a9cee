// The preview operations of the OpenAPI document (SPEC §9, bulk safety): start or discard a batch uploaded with
// preview=true. The upload itself (and its 201 BatchPreview answer) is in openapi.ts.
import { PathItem, answer, authErrors, batchId, problem } from '../platform/openapi/operations';
import { batchPaths } from './openapi';

export const batchPreviewPaths: Record<string, PathItem> = {
  '/batches/{id}': {
    ...batchPaths['/batches/{id}'],
    delete: {
      operationId: 'discardBatchPreview',
      summary: 'Discard a previewed batch',
      description:
        'Deletes a batch uploaded with preview=true, and its rows, before it starts. Previews not started expire after 24 hours.',
      tags: ['batches'],
      parameters: [batchId],
      responses: {
        204: { description: 'Discarded.' },
        404: problem('No such batch in your tenant tree (or the preview was discarded or expired).', 'notFound'),
        409: problem('The batch is not a preview: it has started (cancel it instead).', 'conflict'),
        ...authErrors,
      },
    },
  },
  '/batches/{id}/start': {
    post: {
      operationId: 'startBatch',
      summary: 'Start a previewed batch',
      description:
        'Starts a batch uploaded with preview=true exactly as an upload without preview starts one; its devices are decided when they run, ' +
        'so the outcome can differ from the prediction where the inventory changed meanwhile. Starting it again answers where it stands ' +
        'and starts nothing twice.',
      tags: ['batches'],
      parameters: [batchId],
      responses: {
        202: answer('Started (or already started).', 'UploadAccepted'),
        404: problem('No such batch in your tenant tree (or the preview was discarded or expired).', 'notFound'),
        409: problem('The batch was not uploaded as a preview.', 'conflict'),
        ...authErrors,
      },
    },
  },
};
