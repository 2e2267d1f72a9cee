// The OpenAPI 3.1 document of /v1, served at GET /v1/openapi.json: the /batches and /devices operations live in
// openapiBatchPaths.ts and openapiDevicePaths.ts, the tenants', catalogue's and account's here. `npm run lint` lints it
// (Redocly's recommended-strict rules) and checks that openapiTypes.ts was generated from it (`npm run openapi:types`).
import { batchPaths } from '../../batches/openapi';
import { batchPreviewPaths } from '../../batches/previewOpenapi';
import { devicePaths } from '../../devices/openapi';
import { tempLockPaths } from '../../tempLocks/openapi';
import { webhookPaths, webhookSchemas } from '../../webhooks/openapi';
import { examples } from './examples';
import { PathItem, answer, authErrors, jsonBodyErrors, location, problem, responses, tags } from './operations';
import { obj, ref, schemas, str } from './schemas';

const tenantId = { name: 'id', in: 'path', required: true, description: 'A tenant in your tenant tree.', schema: str };
const tenantPaths: Record<string, PathItem> = {
  '/tenants/{id}/working-hours': {
    get: {
      operationId: 'getWorkingHours',
      summary: 'The working-hours calendar that applies to a tenant',
      description:
        "The tenant's own calendar, or the nearest ancestor's (named in `inheritedFrom`); `configured: false` (and no time zone) " +
        'when neither has one.',
      tags: ['tenants'],
      parameters: [tenantId],
      responses: {
        200: {
          description: 'The calendar, or that there is none.',
          content: {
            'application/json': {
              schema: ref('WorkingHoursAnswer'),
              examples: { calendar: { value: examples.workingHoursAnswer }, noCalendar: { value: examples.noWorkingHours } },
            },
          },
        },
        404: problem('No such tenant in your tree.', 'notFound'),
        ...authErrors,
      },
    },
    put: {
      operationId: 'setWorkingHours',
      summary: "Replace a tenant's own working-hours calendar",
      tags: ['tenants'],
      parameters: [tenantId],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: ref('WorkingHoursCalendar'), example: examples.workingHours } },
      },
      responses: {
        ...jsonBodyErrors,
        200: answer('Saved.', 'WorkingHours'),
        404: problem('No such tenant in your tree.', 'notFound'),
        422: problem(
          'The calendar is invalid (`errors` names each field), or the body nests deeper than 32 levels.',
          'fieldErrors',
          'jsonTooDeep',
        ),
        ...authErrors,
      },
    },
  },
};

const workingHoursPreviewPaths: Record<string, PathItem> = {
  '/tenants/{id}/working-hours/next-working-instant': {
    get: {
      operationId: 'getNextWorkingInstant',
      summary: "When the tenant's working hours next allow work, from a given instant",
      description:
        "Uses the calendar that applies to the tenant (its own or the nearest ancestor's) and the computation that times " +
        'working-hours locks: `at` itself when it lies inside a window on a non-holiday, else the start of the next window; null ' +
        'when none opens within 400 days.',
      tags: ['tenants'],
      parameters: [
        tenantId,
        {
          name: 'at',
          in: 'query',
          description: 'The instant to start from (default: now).',
          schema: { type: 'string', format: 'date-time' },
        },
      ],
      responses: {
        200: answer('The next working instant.', 'NextWorkingInstant', examples.nextWorkingInstant),
        400: problem('`at` is not an ISO 8601 instant.', 'validationFailed'),
        404: problem('No such tenant in your tree, or no calendar applies.', 'notFound'),
        ...authErrors,
      },
    },
  },
};

const workflowPaths: Record<string, PathItem> = {
  '/workflows': {
    get: {
      operationId: 'listWorkflows',
      summary: 'The workflow catalogue of your tenant tree',
      tags: ['workflows'],
      responses: { 200: answer('The catalogue.', 'WorkflowCatalogue', examples.workflowCatalogue), ...authErrors },
    },
    post: {
      operationId: 'createWorkflow',
      summary: 'Add a workflow to the catalogue',
      tags: ['workflows'],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: obj({ name: { type: 'string', maxLength: 200 }, serviceTypeId: { type: 'integer', enum: [1, 2, 3] }, tenantId: str }, [
              'name',
              'serviceTypeId',
            ]),
            example: { name: 'Finance policy', serviceTypeId: 2 },
          },
        },
      },
      responses: {
        ...jsonBodyErrors,
        201: { ...answer('Created.', 'Workflow'), headers: location },
        400: problem('A missing or too long name.', 'validationFailed'),
        404: problem('The tenant is not in your tenant tree.', 'notFound'),
        422: problem('An unknown service type, or a body nested deeper than 32 levels.', 'invalidServiceType', 'jsonTooDeep'),
        ...authErrors,
      },
    },
  },
};

const accountPaths: Record<string, PathItem> = {
  '/me': {
    get: {
      operationId: 'getCaller',
      summary: 'Who this API key belongs to and which tenants it may target',
      tags: ['account'],
      responses: { 200: answer('The caller.', 'Caller'), ...authErrors },
    },
  },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'device-orchestrator API',
    version: '1.0.0',
    description:
      'Bulk workflow assignment and temporary device locks for phone and tablet fleets, orchestrated by Temporal. ' +
      'Authenticate with the X-API-Key header. Errors are application/problem+json with a stable `code`.',
    license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
  },
  servers: [{ url: '/v1', description: 'This API, on the host that serves the document.' }],
  tags,
  security: [{ apiKey: [] }],
  paths: {
    ...batchPaths,
    ...batchPreviewPaths,
    ...devicePaths,
    ...tempLockPaths,
    ...webhookPaths,
    ...tenantPaths,
    ...workingHoursPreviewPaths,
    ...workflowPaths,
    ...accountPaths,
  },
  components: {
    schemas: { ...schemas, ...webhookSchemas },
    responses,
    securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key issued to your tenant.' } },
  },
};
