// A button for a consequential action that first asks: a modal dialog (the browser's <dialog>: focus kept
// inside, Escape closes, focus back on the button) names what will happen and to how many devices. Each
// opening gets a fresh Idempotency-Key, so pressing confirm twice still acts once.
import { ReactNode, useId, useRef } from 'react';

interface Props {
  /** The button's words, e.g. "Cancel batch". */
  label: string;
  /** The dialog's heading, a question. */
  question: string;
  /** What will happen, and to how many devices. */
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  disabled?: boolean;
  onConfirm(idempotencyKey: string): void;
}

export function ConfirmButton({ label, question, children, confirmLabel, danger = false, disabled = false, onConfirm }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const idempotencyKey = useRef('');
  const headingId = useId();

  function open() {
    idempotencyKey.current = crypto.randomUUID();
    dialog.current?.showModal();
  }

  function confirm() {
    dialog.current?.close();
    onConfirm(idempotencyKey.current);
  }

  return (
    <>
      <button type="button" className={danger ? 'danger' : undefined} disabled={disabled} onClick={open}>
        {label}
      </button>
      <dialog ref={dialog} className="confirm" aria-labelledby={headingId}>
        <h2 id={headingId}>{question}</h2>
        <div className="confirm-body">{children}</div>
        <div className="actions">
          <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
            Keep as it is
          </button>
          <button type="button" className={danger ? 'danger' : undefined} onClick={confirm}>
            {confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
