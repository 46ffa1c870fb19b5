// Every admin list loads the same way: what arrived replaces what was shown and clears the list's error, or the
// error's text is shown and the old rows stay.

/** A store's `set`, as far as loading needs it. */
type SetState<S> = (partial: Partial<S>) => void;

export async function loadInto<S, E extends keyof S>(
  set: SetState<S>,
  errorField: E,
  load: () => Promise<Partial<S>>,
  errorText: (err: unknown) => string = (err) => (err as Error).message,
): Promise<void> {
  try {
    set({ ...(await load()), [errorField]: null } as Partial<S>);
  } catch (err) {
    set({ [errorField]: errorText(err) } as Partial<S>);
  }
}
