// What the webhooks capability offers the others: announcing an event inside the transaction that makes the change.
export { announceWebhookEvent } from './outboxStore';
