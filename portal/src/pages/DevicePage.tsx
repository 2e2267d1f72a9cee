// The Devices page: a device opened by its exact UID, among those opened recently in this tab, or from the list of
// the tree's devices (searched by UID or IMEI prefix, state and workflow); and one device: state, allowed next
// actions, workflow assignment and timeline; assign or exit a workflow (exit confirmed first); its temporary lock.
import { FormEvent, useEffect, useState } from 'react';
import { DeviceRef, useDevice, useDeviceHistory, useWorkflowAssignment } from '../api/devices';
import type { Device, TimelineEntry } from '../api/types';
import { useWorkflowChoice } from '../api/workflows';
import { ConfirmButton } from '../components/ConfirmButton';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { DeviceActionsPanel } from '../components/DeviceActionsPanel';
import { DeviceList } from '../components/DeviceList';
import { ProblemBox } from '../components/ProblemBox';
import { Table, numeric } from '../components/Table';
import { TempLockPanel } from '../components/TempLockPanel';
import { Time } from '../components/Time';
import { formatDuration } from '../format';
import { useRecentDevices } from '../recentDevices';
import { href, navigate } from '../router';
import { canWrite, useSession } from '../session';

export function DevicePage({ uid, tenantId }: { uid: string | null; tenantId: string | null }) {
  const { me } = useSession();
  const recentDevices = useRecentDevices(me.tenantId);
  return (
    <section>
      <PageHeading title={uid ? `Device ${uid}` : 'Devices'} />
      <DeviceSearch uid={uid} />
      {uid ? (
        <DeviceDetails device={{ uid, tenantId }} onFound={recentDevices.remember} />
      ) : (
        <>
          <RecentDevices uids={recentDevices.recent} />
          <DeviceList />
        </>
      )}
    </section>
  );
}

function RecentDevices({ uids }: { uids: string[] }) {
  if (uids.length === 0) return null;
  return (
    <nav aria-label="Recently opened devices" data-testid="recent-devices">
      <h2>Recently opened</h2>
      <ul className="recent-devices">
        {uids.map((uid) => (
          <li key={uid}>
            <a href={href({ page: 'device', uid })}>{uid}</a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function DeviceSearch({ uid }: { uid: string | null }) {
  const [query, setQuery] = useState(uid ?? '');

  function find(event: FormEvent) {
    event.preventDefault();
    if (query.trim()) navigate({ page: 'device', uid: query.trim() });
  }

  return (
    <form className="filters" onSubmit={find} role="search" aria-label="Find a device">
      <label>
        Device UID (IMEI or serial number)
        <input name="uid" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="e.g. 353000000000007" />
      </label>
      <button type="submit">Find</button>
    </form>
  );
}

function DeviceDetails({ device: ref, onFound }: { device: DeviceRef; onFound: (uid: string) => void }) {
  const session = useSession();
  const device = useDevice(ref);
  const history = useDeviceHistory(ref);
  const found = device.data?.uid;
  useEffect(() => {
    if (found) onFound(found);
  }, [found, onFound]);
  const timeline = history.data?.timeline ?? [];
  const everLocked = timeline.some((entry) => entry.milestone.startsWith('TEMP_LOCK'));
  return (
    <>
      <ProblemBox problem={device.error ?? history.error} focus />
      {device.data && (
        <>
          <DeviceCard device={device.data} />
          {canWrite(session) && <DeviceActionsPanel device={device.data} />}
          {canWrite(session) && <WorkflowActions device={device.data} />}
          <TempLockPanel device={device.data} everLocked={everLocked} />
          <Timeline entries={timeline} />
        </>
      )}
    </>
  );
}

function DeviceCard({ device }: { device: Device }) {
  const assignment = device.assignment;
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
          {assignment ? (
            <>
              {assignment.workflowName ?? assignment.workflowId} ({assignment.workflowId}), since <Time iso={assignment.assignedAt} /> by{' '}
              {assignment.assignedBy ?? '—'}
            </>
          ) : (
            'none'
          )}
        </dd>
        <dt>Created</dt>
        <dd>
          <Time iso={device.createdAt} />
        </dd>
      </dl>
    </div>
  );
}

function WorkflowActions({ device }: { device: Device }) {
  const choice = useWorkflowChoice();
  const assignment = useWorkflowAssignment(device);
  const current = device.assignment;
  return (
    <div className="card" data-testid="workflow-actions">
      <h2>Workflow</h2>
      {current ? (
        <ConfirmButton
          label="Exit workflow"
          question="Exit this device's workflow?"
          confirmLabel="Exit workflow"
          danger
          disabled={assignment.isPending}
          onConfirm={(idempotencyKey) => assignment.mutate({ assign: null, idempotencyKey })}
        >
          <p>
            1 device (<code>{device.uid}</code>) leaves {current.workflowName ?? current.workflowId}.
          </p>
        </ConfirmButton>
      ) : (
        <div className="inline-form">
          <label>
            Workflow
            <select name="workflowId" value={choice.workflowId} onChange={(e) => choice.pick(e.target.value)}>
              {choice.workflows.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            disabled={assignment.isPending || !choice.workflowId}
            onClick={() => assignment.mutate({ assign: { workflowId: choice.workflowId }, idempotencyKey: crypto.randomUUID() })}
          >
            Assign workflow
          </button>
        </div>
      )}
      {assignment.isPending && <p className="muted">Working…</p>}
      {assignment.isSuccess && <Notice text={assignment.data.message} />}
      <ProblemBox problem={assignment.error ?? choice.problem} focus />
    </div>
  );
}

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <>
      <h2>Timeline</h2>
      <Table
        label="Timeline"
        testId="timeline"
        columns={['at', 'milestone', 'state', 'source', 'by', numeric('after previous'), numeric('since first')]}
        empty={entries.length === 0 ? 'Nothing has happened to this device yet.' : null}
      >
        {entries.map((entry, i) => (
          <tr key={i}>
            <td>
              <Time iso={entry.at} />
            </td>
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
