// Bulk action (the seeds' BulkAction page): pick a mode, a catalogue workflow, service type and target
// workspace, pick or drop a CSV of device UIDs, and upload it with its byte progress. The API checks
// the file (header, delimiter, size) and its refusals are shown as it words them.
import { DragEvent, FormEvent, useEffect, useRef, useState } from 'react';
import { apiJson } from '../api/client';
import { BatchMode, CatalogueWorkflow, SERVICE_TYPES } from '../api/types';
import { UploadProgress, uploadCsv } from '../api/upload';
import { ProblemBox, asProblem } from '../components/ProblemBox';
import { formatCount } from '../format';
import { navigate } from '../router';
import { canWrite, useSession } from '../session';

const MODES: { mode: BatchMode; label: string; help: string }[] = [
  { mode: 'assign', label: 'Assign workflow', help: 'devices in READY_FOR_USE, ACTIVE or LOCKED get the workflow now' },
  { mode: 'register', label: 'Register, then assign', help: 'IDLE devices are registered, then get the workflow' },
  { mode: 'exit', label: 'Exit workflow', help: 'devices leave their current workflow' },
];

export function BulkActionPage() {
  const session = useSession();
  const [mode, setMode] = useState<BatchMode>('assign');
  const [workflows, setWorkflows] = useState<CatalogueWorkflow[]>([]);
  const [workflowId, setWorkflowId] = useState('');
  const [serviceTypeId, setServiceTypeId] = useState('');
  const [workspace, setWorkspace] = useState(session.me.tenantId);
  const [createMissing, setCreateMissing] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [problem, setProblem] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  // One Idempotency-Key per file and settings: sending again after a cut connection cannot start a second batch.
  const lastUpload = useRef<{ signature: string; idempotencyKey: string } | null>(null);

  useEffect(() => {
    apiJson<{ workflows: CatalogueWorkflow[] }>(session.key, '/v1/workflows')
      .then((answer) => {
        setWorkflows(answer.workflows);
        if (answer.workflows[0]) setWorkflowId(answer.workflows[0].id);
      })
      .catch((err) => setProblem(asProblem(err)));
  }, [session.key]);

  if (!canWrite(session)) {
    return (
      <section>
        <h1>Bulk action</h1>
        <p>Your key is read-only: it can follow batches but not start them.</p>
      </section>
    );
  }

  const needsWorkflow = mode !== 'exit';
  const chosen = workflows.find((w) => w.id === workflowId);

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    const dropped = event.dataTransfer.files[0];
    if (dropped) setFile(dropped);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    const params = new URLSearchParams({ mode });
    if (needsWorkflow && workflowId) params.set('workflowId', workflowId);
    if (serviceTypeId) params.set('serviceTypeId', serviceTypeId);
    if (workspace !== session.me.tenantId) params.set('targetWorkspaceId', workspace);
    if (mode === 'register' && createMissing) params.set('createMissing', 'true');
    const signature = JSON.stringify([file.name, file.size, file.lastModified, params.toString()]);
    if (lastUpload.current?.signature !== signature) lastUpload.current = { signature, idempotencyKey: crypto.randomUUID() };
    setBusy(true);
    setProblem(null);
    setProgress({ sentBytes: 0, totalBytes: file.size });
    try {
      const accepted = await uploadCsv(session.key, params, file, lastUpload.current.idempotencyKey, setProgress);
      navigate({ page: 'batch', batchId: accepted.batchId });
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  const percent = progress && progress.totalBytes > 0 ? Math.round((progress.sentBytes / progress.totalBytes) * 100) : 0;
  return (
    <section>
      <h1>Bulk action</h1>
      <form className="card form-grid" onSubmit={submit}>
        <fieldset>
          <legend>Mode</legend>
          {MODES.map((m) => (
            <label key={m.mode} className="radio">
              <input type="radio" name="mode" value={m.mode} checked={mode === m.mode} onChange={() => setMode(m.mode)} />
              <span>
                <strong>{m.label}</strong> <span className="muted">— {m.help}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {needsWorkflow && (
          <label>
            Workflow
            <select name="workflowId" value={workflowId} onChange={(e) => setWorkflowId(e.target.value)} required>
              {workflows.length === 0 && <option value="">no workflow in your catalogue</option>}
              {workflows.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name} ({SERVICE_TYPES[w.serviceTypeId] ?? `service type ${w.serviceTypeId}`}, {w.tenantId})
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Service type
          <select name="serviceTypeId" value={serviceTypeId} onChange={(e) => setServiceTypeId(e.target.value)}>
            <option value="">{chosen ? `the workflow's (${SERVICE_TYPES[chosen.serviceTypeId] ?? chosen.serviceTypeId})` : 'any'}</option>
            {Object.entries(SERVICE_TYPES).map(([id, name]) => (
              <option key={id} value={id}>
                {id} · {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Target workspace
          <select name="targetWorkspaceId" value={workspace} onChange={(e) => setWorkspace(e.target.value)}>
            {session.me.tenantTree.map((tenant) => (
              <option key={tenant} value={tenant}>
                {tenant}
                {tenant === session.me.tenantId ? ' (yours)' : ''}
              </option>
            ))}
          </select>
        </label>
        {mode === 'register' && (
          <label className="checkbox">
            <input type="checkbox" name="createMissing" checked={createMissing} onChange={(e) => setCreateMissing(e.target.checked)} />
            Create devices that do not exist yet (as IDLE, then register them)
          </label>
        )}
        <div
          className={`dropzone${dragging ? ' dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <label>
            CSV of device UIDs (a header line, e.g. <code>deviceUid</code>, then one UID per line)
            <input type="file" name="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          </label>
          <p className="muted">{file ? `${file.name} · ${formatCount(file.size)} bytes` : 'or drop a file here'}</p>
        </div>
        {progress && (
          <div className="upload-progress" data-testid="upload-progress">
            <progress max={progress.totalBytes || 1} value={progress.sentBytes} />
            <span>
              {formatCount(progress.sentBytes)} / {formatCount(progress.totalBytes)} bytes ({percent} %)
            </span>
          </div>
        )}
        <div className="actions">
          <button type="submit" disabled={busy || !file || (needsWorkflow && !workflowId)}>
            {busy ? 'Uploading…' : 'Upload and start'}
          </button>
        </div>
        <ProblemBox problem={problem} />
      </form>
    </section>
  );
}
