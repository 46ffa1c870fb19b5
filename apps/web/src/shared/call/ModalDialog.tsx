// A question that must be answered before anything else on the page: a native <dialog> opened with showModal()
// makes the rest of the page inert and moves focus in; its title and text name it for screen readers.
import { type ReactNode, useEffect, useId, useRef } from 'react';

export function ModalDialog(props: {
  title: ReactNode;
  testId: string;
  /** What Escape means; without it Escape does nothing (the question stays until it is answered). */
  onEscape?: () => void;
  /** The explanation (paragraphs). */
  children: ReactNode;
  /** The answers. */
  actions: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const textId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="consent-dialog"
      aria-labelledby={titleId}
      aria-describedby={textId}
      data-testid={props.testId}
      onCancel={(e) => {
        e.preventDefault();
        props.onEscape?.();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      <div id={textId}>{props.children}</div>
      <div className="dialog-actions">{props.actions}</div>
    </dialog>
  );
}
