// The CSV of a bulk action, picked or dropped, and the byte progress of its upload.
import { DragEvent, useState } from 'react';
import type { UploadProgress } from '../api/upload';
import { formatCount } from '../format';

export function CsvDropzone({ file, onFile }: { file: File | null; onFile: (file: File | null) => void }) {
  const [dragging, setDragging] = useState(false);

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    const dropped = event.dataTransfer.files[0];
    if (dropped) onFile(dropped);
  }

  return (
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
        <input type="file" name="file" accept=".csv,text/csv" onChange={(e) => onFile(e.target.files?.[0] ?? null)} />
      </label>
      <p className="muted">{file ? `${file.name} · ${formatCount(file.size)} bytes` : 'or drop a file here'}</p>
    </div>
  );
}

export function UploadProgressLine({ progress }: { progress: UploadProgress }) {
  const percent = progress.totalBytes > 0 ? Math.round((progress.sentBytes / progress.totalBytes) * 100) : 0;
  return (
    <div className="upload-progress" data-testid="upload-progress">
      <progress max={progress.totalBytes || 1} value={progress.sentBytes} aria-label="Upload progress" />
      <span>
        {formatCount(progress.sentBytes)} / {formatCount(progress.totalBytes)} bytes ({percent} %)
      </span>
    </div>
  );
}
