/**
 * Aligned columns, as Consul prints members, catalogs and peers: every
 * column but the last padded to its widest cell, two spaces between.
 *
 * @module
 */

/** Spaces between columns (Consul's columnize glue). */
const COLUMN_GAP = "  ";

/** Formats rows (the first is usually the header) as aligned lines ending in a newline. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return "";
  const columns = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join(COLUMN_GAP).trimEnd() + "\n")
    .join("");
}
