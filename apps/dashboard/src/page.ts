import type { EmbeddedRun } from './messages.js';
import { PAGE_CSS } from './page-style.js';

export type PageScript = { src: string } | { inline: string };

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** JSON safe inside a <script> element: no `</script>` or `<!--` can close it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/** JavaScript safe inside a <script> element. */
function scriptText(code: string): string {
  return code.replaceAll('</script', '<\\/script').replaceAll('<!--', '<\\!--');
}

/**
 * The page shell: the same markup for the live dashboard (which loads the
 * bundle and connects to /events) and for a saved report (bundle and run
 * inlined, with a policy that forbids any network access).
 */
export function renderPage(options: {
  title: string;
  script: PageScript;
  run?: EmbeddedRun;
}): string {
  const { title, script, run } = options;
  const policy = run
    ? "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
    : "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<title>${escapeHtml(title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<div id="app" aria-busy="true"><p>Loading the lab dashboard…</p><noscript>The dashboard draws its charts with JavaScript; turn it on to see them.</noscript></div>
${run ? `<script type="application/json" id="lab-run">${scriptJson(run)}</script>\n` : ''}${
  'src' in script
    ? `<script src="${escapeHtml(script.src)}" defer></script>`
    : `<script>${scriptText(script.inline)}</script>`
}
</body>
</html>
`;
}
