// The webhook operations and schemas of the OpenAPI document (src/platform/openapi/document.ts): subscriptions
// (create, list, read, delete) and their delivery attempts.
import { PathItem, answer, authErrors, jsonBodyErrors, problem } from '../platform/openapi/operations';
import { Schema, dateTime, int, obj, oneOf, str } from '../platform/openapi/schemas';
import { WebhookEventTypes } from './events';

const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const eventList: Schema = { type: 'array', items: oneOf(WebhookEventTypes), minItems: 1, uniqueItems: true };
const webhookId = { name: 'id', in: 'path', required: true, description: 'The webhook id returned by createWebhook.', schema: str };
const hookId = 'wh_3f9a1c0e7b2d4a5f8c6e1d0b';
const subscription = {
  id: hookId,
  tenantId: 'acme',
  url: 'https://hooks.example.net/devices',
  events: ['device.state_changed', 'batch.finished'],
  createdBy: 'ops-team',
  createdAt: '2026-12-06T09:00:00.000Z',
};
const subscriptionFields = {
  id: str,
  tenantId: str,
  url: { ...str, format: 'uri' },
  events: eventList,
  createdBy: str,
  createdAt: dateTime,
};

export const webhookSchemas = {
  Webhook: obj(subscriptionFields),
  WebhookCreated: {
    ...obj({ ...subscriptionFields, secret: { ...str, description: 'whsec_<base64 key>: verify signatures with it. Shown only here.' } }),
  },
  WebhookList: obj({ webhooks: { type: 'array', items: { $ref: '#/components/schemas/Webhook' } } }),
  WebhookDelivery: obj({
    id: int,
    eventId: { ...str, description: 'The event id, sent as webhook-id.' },
    eventType: oneOf(WebhookEventTypes),
    attempt: { ...int, description: "The event's attempt number, from 1." },
    outcome: { ...oneOf(['DELIVERED', 'FAILED', 'GAVE_UP']), description: 'GAVE_UP: the event failed for as long as it is retried.' },
    statusCode: { ...nullable(int), description: "The receiver's HTTP status; null when it could not be reached." },
    error: nullable(str),
    attemptedAt: dateTime,
  }),
  WebhookDeliveries: obj({
    webhookId: str,
    deliveries: { type: 'array', items: { $ref: '#/components/schemas/WebhookDelivery' } },
    nextCursor: nullable(str),
    links: obj({ next: nullable(str) }),
  }),
};

const notFound = problem('No such webhook in your tenant.', 'notFound');

export const webhookPaths: Record<string, PathItem> = {
  '/webhooks': {
    post: {
      operationId: 'createWebhook',
      summary: 'Subscribe a URL to events (Standard Webhooks)',
      description:
        'Each event of the listed types, of your tenant or of a workspace under it (`data.tenantId` names which), is POSTed to `url` ' +
        'as `{id, type, timestamp, data}` with the headers ' +
        '`webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed with ' +
        "the secret's base64 part). At least once, in order per subscription; a failing event is retried from 5 s doubling to 1 h " +
        'for 3 days while the events after it wait. The secret is in this answer only.',
      tags: ['webhooks'],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: obj({ url: { ...str, format: 'uri', maxLength: 2000 }, events: eventList }),
            example: { url: subscription.url, events: subscription.events },
          },
        },
      },
      responses: {
        ...jsonBodyErrors,
        201: answer('Subscribed.', 'WebhookCreated', { ...subscription, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
        422: problem(
          'A URL that is not http(s), or events that are empty or unknown.',
          'invalidWebhookUrl',
          'invalidWebhookEvents',
          'jsonTooDeep',
        ),
        ...authErrors,
      },
    },
    get: {
      operationId: 'listWebhooks',
      summary: "Your tenant's webhook subscriptions (never their secrets)",
      tags: ['webhooks'],
      responses: { 200: answer('The subscriptions, oldest first.', 'WebhookList', { webhooks: [subscription] }), ...authErrors },
    },
  },
  '/webhooks/{id}': {
    get: {
      operationId: 'getWebhook',
      summary: 'One webhook subscription',
      tags: ['webhooks'],
      parameters: [webhookId],
      responses: { 200: answer('The subscription.', 'Webhook', subscription), 404: notFound, ...authErrors },
    },
    delete: {
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook subscription',
      description: 'No event is written for it from now on; events not yet delivered are not sent.',
      tags: ['webhooks'],
      parameters: [webhookId],
      responses: { 204: { description: 'Deleted.' }, 404: notFound, ...authErrors },
    },
  },
  '/webhooks/{id}/deliveries': {
    get: {
      operationId: 'listWebhookDeliveries',
      summary: "A subscription's delivery attempts, newest first",
      description: 'Pass `nextCursor` as `cursor` (or follow `links.next`) for the next page; it is null on the last.',
      tags: ['webhooks'],
      parameters: [
        webhookId,
        { name: 'cursor', in: 'query', description: 'The `nextCursor` of the previous page.', schema: str },
        {
          name: 'limit',
          in: 'query',
          description: 'Attempts per page.',
          schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
        },
      ],
      responses: {
        200: answer('One page.', 'WebhookDeliveries'),
        400: problem('A bad limit or cursor.', 'validationFailed'),
        404: notFound,
        ...authErrors,
      },
    },
  },
};
