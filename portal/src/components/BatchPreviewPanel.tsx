// A previewed upload: what each row would end as if the batch ran now (counts and the first rows of each result
// code, with why), then "Start N devices" (confirmed in a dialog) or Discard. Nothing has started until then.
import { useId } from 'react';
import type { BatchPreview } from '../api/types';
import { useDiscardPreview, useStartBatch } from '../api/preview';
import { navigate } from '../router';
import { BatchSettingsSummary } from './BatchSettingsSummary';
import { ConfirmButton } from './ConfirmButton';
import { ProblemBox } from './ProblemBox';
import { Table, numeric } from './Table';

interface Props {
  preview: BatchPreview;
  /** The preview was discarded. */
  onDiscarded(): void;
  /** The batch started; by default its page opens. */
  onStarted?(): void;
}

export function BatchPreviewPanel({ preview, onDiscarded, onStarted }: Props) {
  const headingId = useId();
  const start = useStartBatch();
  const discard = useDiscardPreview();
  const devices = preview.rows.accepted;
  const succeed = preview.predicted.OK ?? 0;
  const busy = start.isPending || discard.isPending;
  return (
    <section className="card" aria-labelledby={headingId} data-testid="batch-preview">
      <h2 id={headingId}>Preview: nothing has started</h2>
      <p>
        {preview.rows.total} rows read; if the batch ran now, <strong>{succeed}</strong> devices would succeed and{' '}
        {preview.rows.total - succeed} rows would fail. The prediction reads the inventory as it is now.
      </p>
      <dl className="summary" data-testid="preview-settings">
        <BatchSettingsSummary settings={preview} />
      </dl>
      <PredictionTable preview={preview} />
      <div className="actions">
        <ConfirmButton
          label={`Start ${devices} devices`}
          question={`Start the batch on ${devices} devices?`}
          confirmLabel={`Start ${devices} devices`}
          disabled={busy || devices === 0}
          onConfirm={() =>
            start.mutate(preview.batchId, { onSuccess: onStarted ?? (() => navigate({ page: 'batch', batchId: preview.batchId })) })
          }
        >
          <p>
            {succeed} of them are predicted to succeed. Devices are decided when they run: where the inventory changed since the preview,
            their outcome follows the change.
          </p>
        </ConfirmButton>
        <button
          type="button"
          className="secondary"
          disabled={busy}
          onClick={() => discard.mutate(preview.batchId, { onSuccess: onDiscarded })}
        >
          Discard
        </button>
      </div>
      <ProblemBox problem={start.error ?? discard.error} focus />
    </section>
  );
}

function PredictionTable({ preview }: { preview: BatchPreview }) {
  const codes = Object.entries(preview.predicted).sort(([a, n], [b, m]) => (a === 'OK' ? -1 : b === 'OK' ? 1 : m - n));
  return (
    <Table label="Predicted results by code" columns={['Result', numeric('Rows'), 'First rows']} testId="preview-codes">
      {codes.map(([code, count]) => (
        <tr key={code}>
          <td>
            <code>{code}</code>
          </td>
          <td className="num">{count}</td>
          <td>
            <ul className="samples">
              {(preview.samples[code] ?? []).map((row) => (
                <li key={row.rowNumber}>
                  row {row.rowNumber}: <code>{row.deviceUid}</code>
                  {code === 'OK' ? null : <span className="muted"> — {row.message}</span>}
                </li>
              ))}
            </ul>
          </td>
        </tr>
      ))}
    </Table>
  );
}
