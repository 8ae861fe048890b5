/** Observable's ten categorical colours: distinct for colour-blind readers, legible on white. */
const PALETTE = [
  '#4269d0',
  '#efb118',
  '#ff725c',
  '#6cc5b0',
  '#3ca951',
  '#ff8ab7',
  '#a463f2',
  '#97bbf5',
  '#9c6b4e',
  '#9498a0',
];

/** A pod's colour, the same on every chart and table of the page. */
export function podColour(podOrder: readonly string[], pod: string): string {
  const index = podOrder.indexOf(pod);
  return PALETTE[Math.max(0, index) % PALETTE.length]!;
}
