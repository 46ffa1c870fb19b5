// The admin's lists of records: a table under column headings that scrolls sideways inside its card on a narrow
// screen, or, when there is nothing to list and the caller says what to write instead, that sentence.
import type { ReactNode } from 'react';

export function DataTable<Row>(props: {
  columns: readonly string[];
  rows: readonly Row[];
  /** One <tr> per row. */
  children(row: Row): ReactNode;
  /** Shown instead of an empty table; without it an empty table keeps its headings. */
  empty?: string;
}) {
  if (props.rows.length === 0 && props.empty !== undefined) return <p className="muted">{props.empty}</p>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.rows.map(props.children)}</tbody>
      </table>
    </div>
  );
}
