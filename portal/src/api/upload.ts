// The CSV upload that stores a batch as a preview (preview=true: predicted, not started; api/preview.ts starts or
// discards it), with XMLHttpRequest: fetch() cannot report upload progress, XHR's upload events can. The file goes
// as multipart/form-data, so the batch keeps its file name.
import { useRef, useState } from 'react';
import { BATCH_LIST_KEY } from './batches';
import { ApiProblem, problemFromText } from './client';
import { useApiMutation } from './query';
import type { BatchMode, BatchPreview, UploadAccepted } from './types';

export interface UploadProgress {
  sentBytes: number;
  totalBytes: number;
}

/** A new preview (201), or the batch an earlier upload with the same Idempotency-Key stored (200: a preview, or started since). */
export type UploadAnswer = BatchPreview | UploadAccepted;

export function isPreview(answer: UploadAnswer): answer is BatchPreview {
  return answer.status === 'PREVIEW' && 'predicted' in answer;
}

/** What the operator chose for the batch; the file is sent with them. */
export interface BulkSettings {
  mode: BatchMode;
  /** Ignored when the mode is `exit`. */
  workflowId: string;
  /** '' for the workflow's own. */
  serviceTypeId: string;
  targetWorkspaceId: string;
  /** Only for `register`. */
  createMissing: boolean;
  /** Only for `action`: the device action applied to every device. */
  action: string;
  /** ISO instant before which no device starts; '' to start when started. */
  startAt: string;
  /** Devices start only inside the target workspace's working hours. */
  withinWorkingHours: boolean;
  /** Stop once more than this many devices failed; '' for no limit. */
  maxFailures: string;
}

/** Uploads a CSV with its settings; `progress` is the byte progress of the upload under way or last made. */
export function useUploadBatch(ownTenantId: string) {
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  // One Idempotency-Key per file and settings: sending again after a cut connection cannot start a second batch.
  const lastUpload = useRef<{ signature: string; idempotencyKey: string } | null>(null);
  const upload = useApiMutation(
    (key, { file, settings }: { file: File; settings: BulkSettings }) => {
      const params = uploadParams(settings, ownTenantId);
      const signature = JSON.stringify([file.name, file.size, file.lastModified, params.toString()]);
      if (lastUpload.current?.signature !== signature) lastUpload.current = { signature, idempotencyKey: crypto.randomUUID() };
      setProgress({ sentBytes: 0, totalBytes: file.size });
      return uploadCsv(key, params, file, lastUpload.current.idempotencyKey, setProgress);
    },
    [BATCH_LIST_KEY],
  );
  return { upload, progress };
}

function uploadParams(settings: BulkSettings, ownTenantId: string): URLSearchParams {
  const params = new URLSearchParams({ mode: settings.mode, preview: 'true' });
  if ((settings.mode === 'assign' || settings.mode === 'register') && settings.workflowId) params.set('workflowId', settings.workflowId);
  if (settings.mode === 'action') params.set('action', settings.action);
  if (settings.serviceTypeId) params.set('serviceTypeId', settings.serviceTypeId);
  if (settings.targetWorkspaceId !== ownTenantId) params.set('targetWorkspaceId', settings.targetWorkspaceId);
  if (settings.mode === 'register' && settings.createMissing) params.set('createMissing', 'true');
  if (settings.startAt) params.set('startAt', settings.startAt);
  if (settings.withinWorkingHours) params.set('withinWorkingHours', 'true');
  if (settings.maxFailures !== '') params.set('maxFailures', settings.maxFailures);
  return params;
}

function uploadCsv(
  key: string,
  params: URLSearchParams,
  file: File,
  idempotencyKey: string,
  onProgress: (progress: UploadProgress) => void,
): Promise<UploadAnswer> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/v1/batches?${params}`);
    xhr.setRequestHeader('X-API-Key', key);
    xhr.setRequestHeader('X-Client-Channel', 'PORTAL');
    xhr.setRequestHeader('Idempotency-Key', idempotencyKey);
    xhr.upload.onprogress = (event) =>
      onProgress({ sentBytes: event.loaded, totalBytes: event.lengthComputable ? event.total : file.size });
    xhr.onload = () => {
      if (xhr.status === 200 || xhr.status === 201 || xhr.status === 202) {
        onProgress({ sentBytes: file.size, totalBytes: file.size });
        resolve(JSON.parse(xhr.responseText) as UploadAnswer);
      } else {
        reject(problemFromText(xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () => reject(new ApiProblem(0, 'NETWORK_ERROR', 'the upload was cut off before the API answered; send it again'));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}
