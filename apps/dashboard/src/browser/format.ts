export function esc(text: string | number): string {
  return String(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

export function percent(share: number): string {
  return `${(Math.round(share * 1000) / 10).toFixed(1)}%`;
}

export function ms(value: number | undefined): string {
  if (value === undefined) return '–';
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
}

export function clock(t0: number, at: number): string {
  return `+${((at - t0) / 1000).toFixed(1)}s`;
}

/** PASS or FAIL as a word and an icon, the colour only backs them up. */
export function verdictBadge(pass: boolean): string {
  return pass
    ? '<span class="badge pass"><span aria-hidden="true">✔ </span>PASS</span>'
    : '<span class="badge fail"><span aria-hidden="true">✘ </span>FAIL</span>';
}
