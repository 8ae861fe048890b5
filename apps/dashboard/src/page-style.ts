/**
 * The page's stylesheet. Text is #1b1f24 on white (contrast 16:1); status
 * colours back up a word and an icon, never stand alone.
 */
export const PAGE_CSS = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #4a5360; --line: #c9d1d9; --bg: #ffffff; --panel: #f6f8fa;
  --pass-bg: #dff3e4; --pass-fg: #0b4f1c; --fail-bg: #fde2e4; --fail-fg: #82071e; --warn-bg: #fff4ce; --warn-fg: #5c3c00; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 12px 20px; border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: baseline; }
header h1 { font-size: 20px; margin: 0; }
header p { margin: 0; color: var(--muted); flex-basis: 100%; }
main { padding: 12px 20px 40px; display: grid; gap: 16px; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
main > .wide { grid-column: 1 / -1; }
@media (max-width: 1000px) { main { grid-template-columns: minmax(0, 1fr); } }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 0; overflow-x: auto; }
h2 { font-size: 16px; margin: 0 0 8px; }
h3 { font-size: 15px; margin: 4px 0; }
.status { font-weight: 600; padding: 2px 8px; border-radius: 4px; border: 1px solid var(--line); background: var(--bg); }
.badge { display: inline-block; font-weight: 600; padding: 0 6px; border-radius: 4px; border: 1px solid currentColor; white-space: nowrap; }
.pass { background: var(--pass-bg); color: var(--pass-fg); }
.fail { background: var(--fail-bg); color: var(--fail-fg); }
.pending { background: var(--warn-bg); color: var(--warn-fg); }
.current-step { font-size: 17px; font-weight: 600; margin: 0 0 6px; }
.progress { color: var(--muted); margin: 0 0 6px; min-height: 1.4em; }
ol.narration { margin: 0; padding-left: 0; list-style: none; max-height: 280px; overflow: auto; }
ol.narration li { margin: 2px 0; }
ol.narration li.say { font-style: italic; }
ol.narration .time { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: 6px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; background: var(--bg); }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; }
th { background: #eaeef2; }
td.num { text-align: right; }
caption { text-align: left; color: var(--muted); padding: 2px 0; caption-side: bottom; font-size: 13px; }
.clients { display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.chart { width: 100%; height: 260px; background: var(--bg); border: 1px solid var(--line); }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border: 1px solid #000; vertical-align: baseline; }
.topology { display: grid; grid-template-columns: 1fr auto 1fr auto 1fr; gap: 8px; align-items: center; }
.topology .arrow { font-size: 22px; color: var(--muted); }
.topology ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
.node { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; }
.node .kind { color: var(--muted); font-size: 13px; display: block; }
.node.terminating, .node.exited { border-style: dashed; }
.node.exited { color: var(--muted); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
