// How many columns the remote tiles get: the arrangement that shows each video largest in the area the screen
// leaves them (a phone held upright stacks them, a laptop puts them side by side).

/** Videos are 16:9 or 4:3; tiles are sized for 16:9 and letterbox the rest. */
const TILE_RATIO = 16 / 9;

export interface TileGrid {
  columns: number;
  rows: number;
}

export function bestGrid(count: number, width: number, height: number): TileGrid {
  if (count <= 1 || width <= 0 || height <= 0) return { columns: 1, rows: Math.max(1, count) };
  let best: TileGrid = { columns: 1, rows: count };
  let bestWidth = 0;
  for (let columns = 1; columns <= count; columns++) {
    const rows = Math.ceil(count / columns);
    // The video's width inside one cell: limited by the cell's width or, through the ratio, its height.
    const videoWidth = Math.min(width / columns, (height / rows) * TILE_RATIO);
    // Ties go to fewer columns (bigger rows read better on a narrow screen); 1 px is noise.
    if (videoWidth > bestWidth + 1) {
      best = { columns, rows };
      bestWidth = videoWidth;
    }
  }
  return best;
}
