// A device found by UID: state, allowed next actions, workflow assignment and timeline; assign or exit a
// workflow; its temporary lock (TempLockPanel).
import { FormEvent, useCallback, useEffect, useState } from 'react';
import { apiJson } from '../api/client';
import type { CatalogueWorkflow, Device, TimelineEntry } from '../api/types';
import { ProblemBox, asProblem } from '../components/ProblemBox';
import { TempLockPanel } from '../components/TempLockPanel';
import { formatDuration, formatTime } from '../format';
import { href, navigate } from '../router';
import { canWrite, useSession } from '../session';

export function DevicePage({ uid }: { uid: string | null }) {
  const session = useSession();
  const [query, setQuery] = useState(uid ?? '');
  const [device, setDevice] = useState<Device | null>(null);
  const [timeline, setTimeline] = useState<TimelineEntry[]>([]);
  const [problem, setProblem] = useState<Error | null>(null);

  const load = useCallback(async () => {
    if (!uid) return;
    try {
      const path = `/v1/devices/${encodeURIComponent(uid)}`;
      const [found, history] = await Promise.all([
        apiJson<Device>(session.key, path),
        apiJson<{ timeline: TimelineEntry[] }>(session.key, `${path}/history`),
      ]);
      setDevice(found);
      setTimeline(history.timeline);
      setProblem(null);
    } catch (err) {
      setDevice(null);
      setProblem(asProblem(err));
    }
  }, [session.key, uid]);

  useEffect(() => {
    void load();
  }, [load]);

  function find(event: FormEvent) {
    event.preventDefault();
    if (query.trim()) navigate({ page: 'device', uid: query.trim() });
  }

  return (
    <section>
      <h1>Devices</h1>
      <form className="filters" onSubmit={find}>
        <label>
          Device UID (IMEI or serial number)
          <input name="uid" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="e.g. 353000000000007" />
        </label>
        <button type="submit">Find</button>
      </form>
      <ProblemBox problem={problem} />
      {device && (
        <>
          <DeviceCard device={device} />
          {canWrite(session) && <WorkflowActions device={device} onDone={load} />}
          <TempLockPanel device={device} onChange={load} />
          <Timeline entries={timeline} />
        </>
      )}
    </section>
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

function WorkflowActions({ device, onDone }: { device: Device; onDone: () => Promise<void> }) {
  const session = useSession();
  const [workflows, setWorkflows] = useState<CatalogueWorkflow[]>([]);
  const [workflowId, setWorkflowId] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Error | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    apiJson<{ workflows: CatalogueWorkflow[] }>(session.key, '/v1/workflows')
      .then((answer) => {
        setWorkflows(answer.workflows);
        if (answer.workflows[0]) setWorkflowId(answer.workflows[0].id);
      })
      .catch((err) => setProblem(asProblem(err)));
  }, [session.key]);

  async function run(method: 'POST' | 'DELETE') {
    setBusy(true);
    setProblem(null);
    setNotice(null);
    try {
      const answer = await apiJson<{ message: string }>(session.key, `/v1/devices/${encodeURIComponent(device.uid)}/workflow`, {
        method,
        body: method === 'POST' ? { workflowId } : undefined,
      });
      setNotice(answer.message);
      await onDone();
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="card" data-testid="workflow-actions">
      <h2>Workflow</h2>
      {device.assignment ? (
        <button type="button" className="danger" disabled={busy} onClick={() => run('DELETE')}>
          Exit workflow
        </button>
      ) : (
        <div className="inline-form">
          <select name="workflowId" value={workflowId} onChange={(e) => setWorkflowId(e.target.value)}>
            {workflows.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
          <button type="button" disabled={busy || !workflowId} onClick={() => run('POST')}>
            Assign workflow
          </button>
        </div>
      )}
      {busy && <p className="muted">Working…</p>}
      {notice && <p className="notice">{notice}</p>}
      <ProblemBox problem={problem} />
    </div>
  );
}

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <>
      <h2>Timeline</h2>
      <table data-testid="timeline">
        <thead>
          <tr>
            <th>at</th>
            <th>milestone</th>
            <th>state</th>
            <th>source</th>
            <th className="num">after previous</th>
            <th className="num">since first</th>
          </tr>
        </thead>
        <tbody>
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
              <td className="num">{i === 0 ? '' : formatDuration(entry.elapsedSincePreviousMs)}</td>
              <td className="num">{formatDuration(entry.elapsedSinceFirstMs)}</td>
            </tr>
          ))}
          {entries.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                Nothing has happened to this device yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </>
  );
}
