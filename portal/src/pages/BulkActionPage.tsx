// Bulk action (the seeds' BulkAction page): pick a mode, a catalogue workflow, service type and target
// workspace, pick or drop a CSV of device UIDs, and upload it with its byte progress as a preview. The API checks
// the file (header, delimiter, size) and its refusals are shown as it words them; the preview's predicted outcome
// is shown until the operator starts or discards it.
import { FormEvent, useState } from 'react';
import { BatchMode, BatchPreview, SERVICE_TYPES } from '../api/types';
import { BulkSettings, UploadAnswer, isPreview, useUploadBatch } from '../api/upload';
import { BatchPreviewPanel } from '../components/BatchPreviewPanel';
import { WorkflowChoice, useWorkflowChoice } from '../api/workflows';
import { BatchScheduleFields, ScheduleDraft } from '../components/BatchScheduleFields';
import { Checkbox } from '../components/Checkbox';
import { CsvDropzone, UploadProgressLine } from '../components/CsvDropzone';
import { DeviceActionField } from '../components/DeviceActionField';
import { PageHeading } from '../components/PageHeading';
import { ProblemBox } from '../components/ProblemBox';
import { useDisplayTimeZone } from '../api/timeZone';
import { zonedWallTimeToIso } from '../format';
import { navigate } from '../router';
import { canWrite, useSession } from '../session';

const MODES: { mode: BatchMode; label: string; help: string }[] = [
  { mode: 'assign', label: 'Assign workflow', help: 'devices in READY_FOR_USE, ACTIVE or LOCKED get the workflow now' },
  { mode: 'register', label: 'Register, then assign', help: 'IDLE devices are registered, then get the workflow' },
  { mode: 'exit', label: 'Exit workflow', help: 'devices leave their current workflow' },
  { mode: 'action', label: 'Apply a device action', help: 'every device takes the action its state allows, e.g. ACTIVATE or LOCK' },
];

type FormSettings = Omit<BulkSettings, 'workflowId' | 'startAt'> & ScheduleDraft;

export function BulkActionPage() {
  const writer = canWrite(useSession());
  return (
    <section>
      <PageHeading title="Bulk action" />
      {writer ? <BulkAction /> : <p>Your key is read-only: it can follow batches but not start them.</p>}
    </section>
  );
}

/** The form, then the preview of what it uploaded; a batch already started (a repeated upload) opens its page. */
function BulkAction() {
  const [preview, setPreview] = useState<BatchPreview | null>(null);
  const uploaded = (answer: UploadAnswer) =>
    isPreview(answer) ? setPreview(answer) : navigate({ page: 'batch', batchId: answer.batchId });
  return preview ? <BatchPreviewPanel preview={preview} onDiscarded={() => setPreview(null)} /> : <BulkActionForm onUploaded={uploaded} />;
}

function BulkActionForm({ onUploaded }: { onUploaded(answer: UploadAnswer): void }) {
  const { me } = useSession();
  const [settings, setSettings] = useState<FormSettings>({
    mode: 'assign',
    serviceTypeId: '',
    targetWorkspaceId: me.tenantId,
    createMissing: false,
    action: '',
    startAtWall: '',
    withinWorkingHours: false,
    maxFailures: '',
  });
  const timeZone = useDisplayTimeZone();
  const change = (patch: Partial<FormSettings>) => setSettings((current) => ({ ...current, ...patch }));
  const workflow = useWorkflowChoice();
  const [file, setFile] = useState<File | null>(null);
  const { upload, progress } = useUploadBatch(me.tenantId);
  const needsWorkflow = settings.mode === 'assign' || settings.mode === 'register';

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    const { startAtWall, ...chosen } = settings;
    const startAt = startAtWall ? (zonedWallTimeToIso(startAtWall, timeZone) ?? startAtWall) : '';
    upload.mutate({ file, settings: { ...chosen, startAt, workflowId: workflow.workflowId } }, { onSuccess: onUploaded });
  }

  return (
    <form className="card form-grid" onSubmit={submit}>
      <ModeField mode={settings.mode} onChange={(mode) => change({ mode })} />
      {needsWorkflow && <WorkflowField workflow={workflow} />}
      {settings.mode === 'action' ? (
        <DeviceActionField action={settings.action} onChange={(action) => change({ action })} />
      ) : (
        <ServiceTypeField
          workflow={workflow}
          serviceTypeId={settings.serviceTypeId}
          onChange={(serviceTypeId) => change({ serviceTypeId })}
        />
      )}
      <WorkspaceField workspace={settings.targetWorkspaceId} onChange={(targetWorkspaceId) => change({ targetWorkspaceId })} />
      {settings.mode === 'register' && (
        <Checkbox name="createMissing" checked={settings.createMissing} onChange={(createMissing) => change({ createMissing })}>
          Create devices that do not exist yet (as IDLE, then register them)
        </Checkbox>
      )}
      <BatchScheduleFields draft={settings} onChange={change} timeZone={timeZone} targetWorkspaceId={settings.targetWorkspaceId} />
      <CsvDropzone file={file} onFile={setFile} />
      {progress && <UploadProgressLine progress={progress} />}
      <div className="actions">
        <button
          type="submit"
          disabled={
            upload.isPending || !file || (needsWorkflow && !workflow.workflowId) || (settings.mode === 'action' && !settings.action)
          }
        >
          {upload.isPending ? 'Uploading…' : 'Upload and preview'}
        </button>
      </div>
      <ProblemBox problem={upload.error ?? workflow.problem} focus />
    </form>
  );
}

function ModeField({ mode, onChange }: { mode: BatchMode; onChange: (mode: BatchMode) => void }) {
  return (
    <fieldset>
      <legend>Mode</legend>
      {MODES.map((m) => (
        <label key={m.mode} className="radio">
          <input type="radio" name="mode" value={m.mode} checked={mode === m.mode} onChange={() => onChange(m.mode)} />
          <span>
            <strong>{m.label}</strong> <span className="muted">— {m.help}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

const serviceTypeName = (id: number) => SERVICE_TYPES[id] ?? `service type ${id}`;

function WorkflowField({ workflow }: { workflow: WorkflowChoice }) {
  return (
    <label>
      Workflow
      <select name="workflowId" value={workflow.workflowId} onChange={(e) => workflow.pick(e.target.value)} required>
        {workflow.workflows.length === 0 && <option value="">no workflow in your catalogue</option>}
        {workflow.workflows.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name} ({serviceTypeName(w.serviceTypeId)}, {w.tenantId})
          </option>
        ))}
      </select>
    </label>
  );
}

function ServiceTypeField(props: { workflow: WorkflowChoice; serviceTypeId: string; onChange: (serviceTypeId: string) => void }) {
  const chosen = props.workflow.workflows.find((w) => w.id === props.workflow.workflowId);
  return (
    <label>
      Service type
      <select name="serviceTypeId" value={props.serviceTypeId} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">{chosen ? `the workflow's (${SERVICE_TYPES[chosen.serviceTypeId] ?? chosen.serviceTypeId})` : 'any'}</option>
        {Object.entries(SERVICE_TYPES).map(([id, name]) => (
          <option key={id} value={id}>
            {id} · {name}
          </option>
        ))}
      </select>
    </label>
  );
}

function WorkspaceField({ workspace, onChange }: { workspace: string; onChange: (workspace: string) => void }) {
  const { me } = useSession();
  return (
    <label>
      Target workspace
      <select name="targetWorkspaceId" value={workspace} onChange={(e) => onChange(e.target.value)}>
        {me.tenantTree.map((tenant) => (
          <option key={tenant} value={tenant}>
            {tenant}
            {tenant === me.tenantId ? ' (yours)' : ''}
          </option>
        ))}
      </select>
    </label>
  );
}
