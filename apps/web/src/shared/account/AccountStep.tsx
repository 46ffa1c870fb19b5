// An account step on a page of its own (sign in, the second factor, enrolment, a reset, choosing a password):
// one card form in the middle of the page, named by its heading.
import type { FormEvent, ReactNode } from 'react';

export function AccountStep(props: {
  /** Makes the heading's id, `<name>-heading`, that names the form. */
  name: string;
  heading: ReactNode;
  onSubmit(e: FormEvent): void;
  testId?: string;
  children: ReactNode;
}) {
  const headingId = `${props.name}-heading`;
  return (
    <div className="message-page">
      <form
        className="card form"
        onSubmit={props.onSubmit}
        aria-labelledby={headingId}
        data-testid={props.testId}
      >
        <h1 id={headingId}>{props.heading}</h1>
        {props.children}
      </form>
    </div>
  );
}
