// Sizes an element to the rest of the viewport: from where it starts on the page down to the fixed call bar, so
// the tiles are never taller than the screen (a phone's three stacked tiles used to end 940 px down).
import { type RefObject, useEffect, useState } from 'react';
import { watchLayout } from './watch-layout.ts';

/** Below this the tiles stop shrinking and the page scrolls instead (the control bar stays fixed). */
const MIN_HEIGHT = 200;
/** Room between the tiles and the bar. */
const GAP = 8;

export function useFitHeight(ref: RefObject<HTMLElement | null>): { width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const fit = () => {
      // Page coordinates, not the viewport's: scrolling must not resize the tiles.
      const top = el.getBoundingClientRect().top + window.scrollY;
      const bar = document.querySelector('.call-bar')?.getBoundingClientRect().height ?? 0;
      const height = Math.max(MIN_HEIGHT, Math.floor(window.innerHeight - top - bar - GAP));
      const width = Math.floor(el.clientWidth);
      setSize((s) => (s.width === width && s.height === height ? s : { width, height }));
    };
    fit();
    // What sits above the tiles (a status line that wraps, the recording badge) moves them: follow the page.
    return watchLayout([document.body, el], window, 'resize', fit);
  }, [ref]);
  return size;
}
