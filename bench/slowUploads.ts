// Slow clients for bench:load: uploads that send their CSV at a trickle (e.g. 1 KB/s). The API receives
// an upload before it touches the database, so however many trickle in, other requests are not held up.
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { imeiWithCheckDigit } from '../dev/inventorySeed';

export interface SlowUploadResult {
  status: number;
  ms: number;
}

/**
 * Starts `count` uploads of about `bytes` each (one unknown device, repeated, so each batch runs a single
 * child), sent in one-second steps of `bytesPerSecond`.
 */
export function startSlowUploads(input: {
  apiUrl: string;
  apiKey: string;
  workflowId: string;
  count: number;
  bytes: number;
  bytesPerSecond: number;
}): Promise<SlowUploadResult[]> {
  const stamp = String(Date.now() % 1e5).padStart(5, '0');
  return Promise.all(
    Array.from({ length: input.count }, (_, u) => {
      // One device repeated: every row after the first is DUPLICATE_IN_FILE, so each batch runs one child.
      const uid = imeiWithCheckDigit(`87${stamp}${String(u).padStart(7, '0')}`);
      const rows = Math.max(1, Math.floor(input.bytes / (uid.length + 1)));
      return slowUpload(input, Buffer.from(`deviceUid\n${`${uid}\n`.repeat(rows)}`));
    }),
  );
}

function slowUpload(input: { apiUrl: string; apiKey: string; workflowId: string; bytesPerSecond: number }, body: Buffer) {
  return new Promise<SlowUploadResult>((resolve) => {
    const start = performance.now();
    const url = new URL(`/v1/batches?mode=assign&workflowId=${input.workflowId}`, input.apiUrl);
    const req = request(url, {
      method: 'POST',
      headers: { 'X-API-Key': input.apiKey, 'Content-Type': 'text/csv', 'Content-Length': body.length },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - start }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - start }));
    let sent = 0;
    const step = () => {
      const next = body.subarray(sent, sent + input.bytesPerSecond);
      sent += next.length;
      if (sent >= body.length) req.end(next);
      else {
        req.write(next);
        setTimeout(step, 1000);
      }
    };
    step();
  });
}
