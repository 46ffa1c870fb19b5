// What every form of the apps does around its server call: one call at a time (busy), the last error cleared
// before a new try and turned into words after a failure. Forms keep only what is their own (fields, outcome).
import { type FormEvent, useState } from 'react';

export interface BusyAction {
  busy: boolean;
  error: string | null;
  setError(error: string | null): void;
  /** Runs `action` unless one is running; a throw becomes `error` (through `errorText`). */
  run(action: () => Promise<void>): Promise<void>;
  /** A form's onSubmit: stops the browser's own submission, then `run(action)`. */
  submit(action: () => Promise<void>): (e: FormEvent) => void;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** `initialError`: what to show before any try (an error handed over by a redirect, say). */
export function useBusyAction(
  errorText: (err: unknown) => string = messageOf,
  initialError: string | null = null,
): BusyAction {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(initialError);
  const run = async (action: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const submit = (action: () => Promise<void>) => (e: FormEvent) => {
    e.preventDefault();
    void run(action);
  };
  return { busy, error, setError, run, submit };
}
