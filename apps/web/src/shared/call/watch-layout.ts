// Layout changes that ResizeObserver alone does not report (the tab hidden or shown, the window resized) are
// watched together with the elements' own sizes: one callback for both, one cleanup for an effect to return.

/** Calls `changed` when any of `elements` changes size or `target` fires `event`; returns the way to stop. */
export function watchLayout(
  elements: readonly Element[],
  target: EventTarget,
  event: string,
  changed: () => void,
): () => void {
  const observer = new ResizeObserver(changed);
  for (const element of elements) observer.observe(element);
  target.addEventListener(event, changed);
  return () => {
    observer.disconnect();
    target.removeEventListener(event, changed);
  };
}
