/**
 * The UI's stylesheet.
 *
 * Kept as a string module so `tsc` ships it in dist with no copy step. It may
 * not contain a backtick or a dollar-brace, which would end or interpolate the
 * template.
 *
 * @module
 */

/** The stylesheet served at /ui/style.css. */
export const STYLE_CSS = String.raw`:root {
  --bg: #f6f7f9; --fg: #1d2330; --muted: #6a7385; --line: #dde1e8; --card: #fff;
  --accent: #3451b2; --top: #1d2330;
  --pass: #1f7a3d; --pass-bg: #e3f4e8; --warn: #8a5a00; --warn-bg: #fdf0d5; --crit: #b42318; --crit-bg: #fde4e1;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.mono, pre, textarea { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.muted { color: var(--muted); }
.small { font-size: 12px; }

.top { display: flex; align-items: center; gap: 24px; padding: 0 24px; height: 52px; background: var(--top); color: #fff; }
.top .brand { color: #fff; font-weight: 700; font-size: 18px; letter-spacing: .02em; }
.top nav { display: flex; gap: 4px; }
.top nav a { color: #c9cfdb; padding: 6px 12px; border-radius: 6px; }
.top nav a:hover { background: #2c3446; text-decoration: none; }
.top nav a.active { background: #3a4459; color: #fff; }
.top .agent { margin-left: auto; color: #c9cfdb; }
.live { font-size: 12px; padding: 2px 10px; border-radius: 999px; background: #3a4459; color: #c9cfdb; }
.live::before { content: "●"; margin-right: 6px; }
.live.on::before { color: #4ade80; }
.live.off::before { color: #f87171; }

main { max-width: 1100px; margin: 0 auto; padding: 20px 24px 48px; }
.bar { display: flex; align-items: center; gap: 16px; margin-bottom: 12px; flex-wrap: wrap; }
h1 { font-size: 22px; margin: 0; }
h2 { font-size: 15px; margin: 0; }
.back { font-size: 13px; }
.filter { margin-left: auto; width: 260px; }
input, textarea { border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; background: #fff; color: var(--fg); font: inherit; }
textarea { width: 100%; resize: vertical; display: block; margin: 8px 0; }
textarea[readonly] { background: var(--bg); }
button { font: inherit; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 6px; padding: 6px 14px; cursor: pointer; }
button:disabled { opacity: .5; cursor: default; }
button.danger { background: #fff; color: var(--crit); border-color: var(--crit); }
button.link { background: none; border: none; color: var(--accent); padding: 0; text-decoration: underline; }

table.list { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
table.list th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; padding: 8px 12px; border-bottom: 1px solid var(--line); background: #fafbfc; }
table.list td { padding: 9px 12px; border-bottom: 1px solid var(--line); vertical-align: middle; }
table.list tr:last-child td { border-bottom: none; }
td.count { white-space: nowrap; }
td.health { white-space: nowrap; }

.badge { display: inline-block; font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 999px; margin-right: 4px; white-space: nowrap; }
.badge.passing { color: var(--pass); background: var(--pass-bg); }
.badge.warning { color: var(--warn); background: var(--warn-bg); }
.badge.critical { color: var(--crit); background: var(--crit-bg); }
.tags { display: inline-flex; flex-wrap: wrap; gap: 4px; }
.tag { font-size: 12px; padding: 1px 7px; border-radius: 4px; background: #eef0f4; color: #3b4354; }
.tag.link { color: var(--accent); }

.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin-bottom: 14px; }
.card > p:first-child { margin-top: 0; }
.card > header { display: flex; align-items: center; gap: 10px; margin-bottom: 8px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 10px; }
dt { color: var(--muted); }
dd { margin: 0; }
table.checks { width: 100%; border-collapse: collapse; border-top: 1px solid var(--line); }
table.checks td { padding: 8px 8px 8px 0; vertical-align: top; border-bottom: 1px solid var(--line); }
table.checks { table-layout: fixed; }
table.checks td:first-child { width: 90px; }
table.checks td:nth-child(2) { width: 32%; }
table.checks tr:last-child td { border-bottom: none; }
.check-name { font-weight: 600; }
pre.output { margin: 0; white-space: pre-wrap; word-break: break-word; max-height: 160px; overflow: auto; background: var(--bg); padding: 6px 8px; border-radius: 4px; }

.crumbs { font-size: 16px; display: flex; gap: 6px; align-items: baseline; flex-wrap: wrap; }
.crumbs .sep { color: var(--muted); }
.crumbs .leaf { font-weight: 600; }
a.folder::before { content: "▸ "; color: var(--muted); }
.create { margin-top: 16px; }
.row { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.row input { flex: 1; min-width: 200px; }
.prefix { color: var(--muted); }
.msg { margin: 0; font-size: 13px; }
.msg.ok { color: var(--pass); }
.msg.error { color: var(--crit); }
.empty { color: var(--muted); padding: 12px 0; }
.empty:empty { display: none; }

@media (max-width: 700px) {
  .top { gap: 12px; padding: 0 12px; }
  .top .agent { display: none; }
  .filter { width: 100%; }
}
`;
