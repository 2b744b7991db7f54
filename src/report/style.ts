/**
 * The report's stylesheet (inlined into the page). System fonts only: nothing to fetch.
 */
export const STYLE = `
:root {
  --bg: #f5f6f8; --card: #fff; --ink: #1d2330; --muted: #667085; --line: #e3e6eb; --accent: #3b5bdb;
  --cell: 132px; --input-col: 150px;
  font-family: "DejaVu Sans", system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
  color: var(--ink); background: var(--bg); line-height: 1.45; font-size: 14px;
}
* { box-sizing: border-box; }
body { margin: 0; }
header { background: #111827; color: #f3f4f6; padding: 28px 40px 22px; }
header h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; letter-spacing: -0.01em; }
header .subtitle { margin: 0 0 12px; color: #cbd2dc; max-width: 980px; }
header .meta { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 12.5px; color: #aeb6c2; }
header .meta b { color: #e5e7eb; font-weight: 600; margin-right: 4px; }
header .command { margin: 12px 0 0; font-size: 12.5px; background: #1f2937; color: #d1fae5; padding: 7px 12px; border-radius: 6px; display: inline-block; white-space: pre-wrap; }
nav { margin-top: 14px; display: flex; gap: 8px; flex-wrap: wrap; }
nav a { color: #e0e7ff; background: #27324a; padding: 4px 12px; border-radius: 999px; text-decoration: none; font-size: 13px; }
nav a:hover { background: #3b4a6b; }
main { padding: 8px 32px 40px; max-width: 1760px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 22px 26px 26px; margin: 24px 0; box-shadow: 0 1px 2px rgba(16,24,40,.04); }
h2 { margin: 0 0 6px; font-size: 21px; font-weight: 650; }
h3 { margin: 26px 0 6px; font-size: 16px; font-weight: 650; display: flex; align-items: baseline; gap: 12px; }
p.lead { margin: 0 0 12px; color: #394150; max-width: 1050px; }
p.hint { margin: 0 0 10px; color: var(--muted); font-size: 12.5px; max-width: 1100px; }
a.download { font-size: 12.5px; font-weight: 500; color: var(--accent); }
.muted { color: var(--muted); }
dl.facts { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0 4px; }
dl.facts div { background: #f2f4f7; border-radius: 7px; padding: 4px 10px; }
dl.facts dt { display: inline; color: var(--muted); font-size: 12px; margin-right: 6px; }
dl.facts dd { display: inline; margin: 0; font-size: 12.5px; }

.views > input { position: absolute; opacity: 0; pointer-events: none; }
.views > label { display: inline-block; padding: 4px 14px; border: 1px solid #cfd5de; margin-right: -1px; font-size: 13px; cursor: pointer; background: #fff; user-select: none; }
.views > label:first-of-type { border-radius: 7px 0 0 7px; }
.views > label:last-of-type { border-radius: 0 7px 7px 0; }
.views > input:checked + label { background: var(--ink); color: #fff; border-color: var(--ink); }
.views > input:focus-visible + label { outline: 2px solid var(--accent); outline-offset: 2px; }
.legend { display: inline-flex; align-items: center; margin-left: 18px; font-size: 12px; color: var(--muted); vertical-align: middle; }
.legend img { width: 150px; height: 11px; vertical-align: middle; margin: 0 6px; border-radius: 2px; image-rendering: auto; }
.lg { display: none; }
.view-overlay:checked ~ .legend .lg-overlay, .view-heatmap:checked ~ .legend .lg-heatmap, .view-signed:checked ~ .legend .lg-signed { display: inline; }
.views .pic img.v-heatmap, .views .pic img.v-signed { display: none; }
.views > .view-heatmap:checked ~ .scroll .pic img.v-overlay, .views > .view-signed:checked ~ .scroll .pic img.v-overlay { display: none; }
.views > .view-heatmap:checked ~ .scroll .pic img.v-heatmap { display: block; }
.views > .view-signed:checked ~ .scroll .pic img.v-signed { display: block; }

.scroll { overflow-x: auto; margin-top: 10px; }
table.grid { border-collapse: separate; border-spacing: 0; }
table.grid thead th { position: sticky; top: 0; background: #fff; z-index: 1; font-size: 12.5px; font-weight: 600; text-align: center; vertical-align: bottom; padding: 4px 4px 8px; border-bottom: 1px solid var(--line); min-width: var(--cell); }
table.grid thead th .method { display: block; }
table.grid thead th .baseline { display: block; font-weight: 500; color: var(--accent); }
table.grid thead th.corner { text-align: left; color: var(--muted); font-weight: 500; min-width: var(--input-col); }
table.grid tbody tr + tr > * { border-top: 1px solid #f0f1f4; }
table.grid td, table.grid th.input { padding: 10px 5px 8px; vertical-align: top; }
figure { margin: 0; }
.cell figure .pic img, th.input .pic img { width: var(--cell); height: auto; display: block; image-rendering: pixelated; border-radius: 4px; }
.cell figure .pic img { margin: 0 auto; }
th.input { text-align: left; font-weight: 400; width: var(--input-col); padding-right: 14px !important; }
th.input .pic img { width: 104px; }
th.input figcaption { font-size: 12px; margin-top: 5px; }
th.input .file { display: block; font-weight: 600; font-size: 12px; overflow-wrap: anywhere; margin-bottom: 2px; }
th.input .truth { display: block; color: var(--muted); font-size: 11.5px; margin-bottom: 4px; }
ol.top { list-style: none; padding: 0; margin: 0; width: 100%; max-width: 160px; }
ol.top li { position: relative; display: flex; justify-content: space-between; gap: 4px; font-size: 11.5px; padding: 1px 4px; margin-bottom: 2px; border-radius: 3px; overflow: hidden; }
ol.top li .bar { position: absolute; left: 0; top: 0; bottom: 0; background: #e4e8f0; z-index: 0; }
ol.top li.explained .bar { background: #c7d7fe; }
ol.top li .name, ol.top li .p { position: relative; z-index: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
ol.top li .p { color: #475467; font-variant-numeric: tabular-nums; }
td.cell figcaption { text-align: center; font-size: 11.5px; color: #475467; margin-top: 4px; font-variant-numeric: tabular-nums; }
td.cell figcaption span { display: block; }
td.cell figcaption span + span { color: var(--muted); }
td.empty { color: #c0c4cc; text-align: center; vertical-align: middle; }

details.path { border: 1px solid var(--line); border-radius: 9px; margin: 10px 0; background: #fcfcfd; }
details.path > summary { cursor: pointer; padding: 9px 14px; font-size: 13.5px; list-style-position: inside; }
details.path > summary .file { font-weight: 600; }
details.path > summary .nums { display: block; color: var(--muted); font-size: 12px; margin-left: 18px; font-variant-numeric: tabular-nums; }
.path-body { padding: 4px 14px 14px; display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
table.strip { border-collapse: collapse; }
table.strip th { font-size: 11.5px; font-weight: 500; color: var(--muted); padding: 2px 4px; white-space: nowrap; }
table.strip tbody th { text-align: right; padding-right: 8px; }
table.strip td { padding: 2px; }
table.strip img { width: 66px; height: auto; display: block; image-rendering: pixelated; border-radius: 3px; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; }
.plot-legend { display: flex; flex-wrap: wrap; gap: 2px 12px; font-size: 11.5px; color: #475467; margin-top: 4px; max-width: 340px; }
.plot-legend span { display: inline-flex; align-items: center; gap: 5px; }
.plot > svg { width: 340px; height: auto; display: block; border: 1px solid var(--line); border-radius: 6px; background: #fff; }

table.methods { border-collapse: collapse; width: 100%; font-size: 12.5px; }
table.methods th { text-align: left; font-weight: 600; color: #475467; border-bottom: 1px solid var(--line); padding: 6px 8px; }
table.methods td { border-bottom: 1px solid #f0f1f4; padding: 6px 8px; vertical-align: top; }
table.methods .num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.methods code { font-size: 11.5px; background: #f2f4f7; padding: 1px 5px; border-radius: 4px; }
.chip { display: inline-block; background: #eef2ff; color: #3538cd; border-radius: 5px; padding: 0 6px; margin: 1px 0; font-size: 11.5px; white-space: nowrap; }
.chip.inner { background: #f2f4f7; color: #475467; }
figure.figure { margin: 12px 0; overflow-x: auto; }
figure.figure > svg { max-width: 100%; height: auto; display: block; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
figure.figure figcaption { font-size: 12.5px; color: #475467; margin-top: 4px; }
ul.notes { margin: 14px 0 0; padding-left: 18px; color: #475467; font-size: 12.5px; }
section.reading ul { color: #394150; font-size: 13px; padding-left: 18px; }
footer { color: var(--muted); font-size: 12px; padding: 0 40px 30px; }
@media print { .views > label, nav { display: none; } section { break-inside: avoid; box-shadow: none; } }
`;
