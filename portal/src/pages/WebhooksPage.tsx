// Webhooks: the tenant's subscriptions (URL, events), a form to add one whose signing secret is shown once, delete
// with confirmation, and the chosen subscription's delivery attempts.
import { FormEvent, useState } from 'react';
import type { Webhook, WebhookCreated, WebhookEventType } from '../api/types';
import { useAddWebhook, useDeleteWebhook, useWebhookDeliveries, useWebhooks } from '../api/webhooks';
import { ConfirmButton } from '../components/ConfirmButton';
import { CursorPager, useCursorPages } from '../components/CursorPager';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { ProblemBox } from '../components/ProblemBox';
import { Table, numeric, unseen } from '../components/Table';
import { Time } from '../components/Time';
import { canWrite, useSession } from '../session';

const EVENT_TYPES: WebhookEventType[] = ['device.state_changed', 'temp_lock.status_changed', 'batch.finished'];

export function WebhooksPage() {
  const writer = canWrite(useSession());
  const webhooks = useWebhooks();
  const [shown, setShown] = useState<string | null>(null);
  const list = webhooks.data?.webhooks ?? [];
  return (
    <section>
      <PageHeading title="Webhooks" />
      <p className="muted">Events of your tenant are POSTed to these URLs, signed (Standard Webhooks), at least once and in order.</p>
      <ProblemBox problem={webhooks.error} />
      {webhooks.data && (
        <WebhookTable webhooks={list} writer={writer} onShow={setShown} onDelete={(id) => setShown((s) => (s === id ? null : s))} />
      )}
      {writer && <AddWebhookForm />}
      {shown && list.some((w) => w.id === shown) && <Deliveries key={shown} webhookId={shown} />}
    </section>
  );
}

interface WebhookTableProps {
  webhooks: Webhook[];
  writer: boolean;
  onShow(id: string): void;
  /** Before the delete is sent: its deliveries are no longer shown (nor read). */
  onDelete(id: string): void;
}

function WebhookTable({ webhooks, writer, onShow, onDelete }: WebhookTableProps) {
  const remove = useDeleteWebhook();
  return (
    <>
      <Table
        label="Webhooks"
        columns={['URL', 'Events', 'Created', unseen('Actions')]}
        empty={webhooks.length ? null : 'No webhooks yet.'}
        testId="webhooks"
      >
        {webhooks.map((hook) => (
          <tr key={hook.id}>
            <td>
              <code>{hook.url}</code>
            </td>
            <td>{hook.events.join(', ')}</td>
            <td>
              <Time iso={hook.createdAt} /> by {hook.createdBy}
            </td>
            <td>
              <div className="actions">
                <button type="button" className="secondary" aria-label={`Deliveries of ${hook.url}`} onClick={() => onShow(hook.id)}>
                  Deliveries
                </button>
                {writer && (
                  <ConfirmButton
                    label="Delete"
                    question="Delete this webhook?"
                    confirmLabel="Delete webhook"
                    danger
                    onConfirm={() => {
                      onDelete(hook.id);
                      remove.mutate(hook.id);
                    }}
                  >
                    <p>
                      <code>{hook.url}</code> gets no more events; events not yet delivered are not sent.
                    </p>
                  </ConfirmButton>
                )}
              </div>
            </td>
          </tr>
        ))}
      </Table>
      <ProblemBox problem={remove.error} focus />
    </>
  );
}

function AddWebhookForm() {
  const add = useAddWebhook();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEventType[]>(['device.state_changed']);
  const toggle = (type: WebhookEventType, on: boolean) =>
    setEvents((current) => (on ? [...current, type] : current.filter((t) => t !== type)));

  function submit(event: FormEvent) {
    event.preventDefault();
    add.mutate({ url: url.trim(), events }, { onSuccess: () => setUrl('') });
  }

  return (
    <form className="card" onSubmit={submit} aria-label="Add a webhook">
      <h2>Add a webhook</h2>
      <label>
        URL{' '}
        <input
          name="url"
          type="url"
          required
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="https://hooks.example.net/devices"
        />
      </label>
      <fieldset>
        <legend>Events</legend>
        {EVENT_TYPES.map((type) => (
          <label key={type} className="inline">
            <input
              type="checkbox"
              name="events"
              value={type}
              checked={events.includes(type)}
              onChange={(e) => toggle(type, e.target.checked)}
            />{' '}
            {type}
          </label>
        ))}
      </fieldset>
      <div className="actions">
        <button type="submit" disabled={add.isPending || events.length === 0}>
          Add webhook
        </button>
      </div>
      {add.data && <SecretOnce created={add.data} />}
      <ProblemBox problem={add.error} focus />
    </form>
  );
}

function SecretOnce({ created }: { created: WebhookCreated }) {
  return (
    <div data-testid="webhook-secret">
      <Notice text={`Webhook added. Copy its signing secret now: it is not shown again.`} />
      <p>
        <code>{created.secret}</code>
      </p>
    </div>
  );
}

function Deliveries({ webhookId }: { webhookId: string }) {
  const pages = useCursorPages();
  const deliveries = useWebhookDeliveries(webhookId, pages.cursor);
  const rows = deliveries.data?.deliveries ?? [];
  return (
    <div className="card">
      <h2>Deliveries</h2>
      <ProblemBox problem={deliveries.error} />
      <Table
        label="Deliveries"
        columns={['Time', 'Event', 'Type', numeric('Attempt'), 'Outcome', numeric('Status'), 'Error']}
        empty={rows.length ? null : 'No attempts yet.'}
        testId="webhook-deliveries"
      >
        {rows.map((d) => (
          <tr key={d.id}>
            <td>
              <Time iso={d.attemptedAt} />
            </td>
            <td>
              <code>{d.eventId}</code>
            </td>
            <td>{d.eventType}</td>
            <td className="num">{d.attempt}</td>
            <td>{d.outcome}</td>
            <td className="num">{d.statusCode ?? '—'}</td>
            <td>{d.error ?? ''}</td>
          </tr>
        ))}
      </Table>
      <CursorPager pages={pages} nextCursor={deliveries.data?.nextCursor} labels={['Newer', 'Older']} />
    </div>
  );
}
