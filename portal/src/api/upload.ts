// The CSV upload with XMLHttpRequest: fetch() cannot report upload progress, XHR's upload events can.
import { ApiProblem, problemFromText } from './client';

export interface UploadProgress {
  sentBytes: number;
  totalBytes: number;
}

export interface UploadAccepted {
  batchId: string;
  status: string;
  rows: { total: number; accepted: number; rejected: number };
}

export function uploadCsv(
  key: string,
  params: URLSearchParams,
  file: Blob,
  idempotencyKey: string,
  onProgress: (progress: UploadProgress) => void,
): Promise<UploadAccepted> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/v1/batches?${params}`);
    xhr.setRequestHeader('X-API-Key', key);
    xhr.setRequestHeader('Content-Type', 'text/csv');
    xhr.setRequestHeader('Idempotency-Key', idempotencyKey);
    xhr.upload.onprogress = (event) =>
      onProgress({ sentBytes: event.loaded, totalBytes: event.lengthComputable ? event.total : file.size });
    xhr.onload = () => {
      if (xhr.status === 200 || xhr.status === 202) {
        onProgress({ sentBytes: file.size, totalBytes: file.size });
        resolve(JSON.parse(xhr.responseText) as UploadAccepted);
      } else {
        reject(problemFromText(xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () => reject(new ApiProblem(0, 'NETWORK_ERROR', 'the upload was cut off before the API answered; send it again'));
    xhr.send(file);
  });
}
