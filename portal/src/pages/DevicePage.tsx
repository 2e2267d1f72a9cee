// A device found by UID: state, allowed next actions, workflow assignment and timeline; assign or exit a
// workflow; its temporary lock (TempLockPanel).
import { FormEvent, useState } from 'react';
import { useDevice, useDeviceHistory, useWorkflowAssignment } from '../api/devices';
import type { Device, TimelineEntry } from '../api/types';
import { useWorkflowChoice } from '../api/workflows';
import { DeviceActionsPanel } from '../components/DeviceActionsPanel';
import { ProblemBox } from '../components/ProblemBox';
import { Table, numeric } from '../components/Table';
import { TempLockPanel } from '../components/TempLockPanel';
import { formatDuration, formatTime } from '../format';
import { href, navigate } from '../router';
import { canWrite, useSession } from '../session';

export function DevicePage({ uid }: { uid: string | null }) {
  return (
    <section>
      <h1>Devices</h1>
      <DeviceSearch uid={uid} />
      {uid && <DeviceDetails uid={uid} />}
    </section>
  );
}

function DeviceSearch({ uid }: { uid: string | null }) {
  const [query, setQuery] = useState(uid ?? '');

  function find(event: FormEvent) {
    event.preventDefault();
    if (query.trim()) navigate({ page: 'device', uid: query.trim() });
  }

  return (
    <form className="filters" onSubmit={find}>
      <label>
        Device UID (IMEI or serial number)
        <input name="uid" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="e.g. 353000000000007" />
      </label>
      <button type="submit">Find</button>
    </form>
  );
}

function DeviceDetails({ uid }: { uid: string }) {
  const session = useSession();
  const device = useDevice(uid);
  const history = useDeviceHistory(uid);
  return (
    <>
      <ProblemBox problem={device.error ?? history.error} />
      {device.data && (
        <>
          <DeviceCard device={device.data} />
          {canWrite(session) && <DeviceActionsPanel device={device.data} />}
          {canWrite(session) && <WorkflowActions device={device.data} />}
          <TempLockPanel device={device.data} />
          <Timeline entries={history.data?.timeline ?? []} />
        </>
      )}
    </>
  );
}

function DeviceCard({ device }: { device: Device }) {
  return (
    <div className="card">
      <h2>
        <code>{device.uid}</code> <span className={`badge badge-state`}>{device.state}</span>
      </h2>
      <dl className="summary" data-testid="device">
        <dt>Tenant</dt>
        <dd>{device.tenantId}</dd>
        <dt>State</dt>
        <dd>
          {device.state}
          {device.previousState ? ` (before: ${device.previousState})` : ''}
        </dd>
        <dt>Allowed next actions</dt>
        <dd>{device.allowedActions.length ? device.allowedActions.join(', ') : 'none'}</dd>
        <dt>Workflow</dt>
        <dd>
          {device.assignment
            ? `${device.assignment.workflowName ?? device.assignment.workflowId} (${device.assignment.workflowId}), since ${formatTime(device.assignment.assignedAt)} by ${device.assignment.assignedBy ?? '—'}`
            : 'none'}
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(device.createdAt)}</dd>
      </dl>
    </div>
  );
}

function WorkflowActions({ device }: { device: Device }) {
  const choice = useWorkflowChoice();
  const assignment = useWorkflowAssignment(device.uid);
  return (
    <div className="card" data-testid="workflow-actions">
      <h2>Workflow</h2>
      {device.assignment ? (
        <button type="button" className="danger" disabled={assignment.isPending} onClick={() => assignment.mutate(null)}>
          Exit workflow
        </button>
      ) : (
        <div className="inline-form">
          <select name="workflowId" value={choice.workflowId} onChange={(e) => choice.pick(e.target.value)}>
            {choice.workflows.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={assignment.isPending || !choice.workflowId}
            onClick={() => assignment.mutate({ workflowId: choice.workflowId })}
          >
            Assign workflow
          </button>
        </div>
      )}
      {assignment.isPending && <p className="muted">Working…</p>}
      {assignment.isSuccess && <p className="notice">{assignment.data.message}</p>}
      <ProblemBox problem={assignment.error ?? choice.problem} />
    </div>
  );
}

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <>
      <h2>Timeline</h2>
      <Table
        testId="timeline"
        columns={['at', 'milestone', 'state', 'source', 'by', numeric('after previous'), numeric('since first')]}
        empty={entries.length === 0 ? 'Nothing has happened to this device yet.' : null}
      >
        {entries.map((entry, i) => (
          <tr key={i}>
            <td>{formatTime(entry.at)}</td>
            <td>{entry.milestone}</td>
            <td>{entry.fromState || entry.toState ? `${entry.fromState ?? '—'} → ${entry.toState ?? '—'}` : ''}</td>
            <td>
              {entry.source}
              {entry.batchId && (
                <>
                  {' '}
                  <a href={href({ page: 'batch', batchId: entry.batchId })}>batch</a>
                </>
              )}
            </td>
            <td>
              {entry.actor.name}
              {entry.channel && ` via ${entry.channel}`}
              {entry.note && <q>{entry.note}</q>}
            </td>
            <td className="num">{i === 0 ? '' : formatDuration(entry.elapsedSincePreviousMs)}</td>
            <td className="num">{formatDuration(entry.elapsedSinceFirstMs)}</td>
          </tr>
        ))}
      </Table>
    </>
  );
}
