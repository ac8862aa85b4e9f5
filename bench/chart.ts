// The latency chart as a small standalone SVG: players against input-to-state latency, both on log
// scales, one solid line (p99) and one dashed line (p50) per step. Written by hand rather than with
// a charting library: it is ~100 lines, needs no DOM, and gives the same bytes for the same figures.

export interface Series {
  readonly label: string;
  /** [players, dashed value, solid value] per rung (p50 ms and p99 ms for latency); rungs without a
   *  measurement are left out. */
  readonly points: readonly (readonly [number, number, number])[];
}

/** What the axes and the two lines say: latency by default; the CPU chart says server and floor. */
export interface ChartLabels {
  readonly y: string;
  readonly legend: string;
  /** The lowest and highest values the y axis shows at least. */
  readonly yRange: readonly [number, number];
}
const LATENCY: ChartLabels = { y: "input-to-state latency, ms (log)", legend: "solid: p99, dashed: p50", yRange: [0.1, 100] };

const WIDTH = 760;
const HEIGHT = 460;
const MARGIN = { left: 70, right: 180, top: 40, bottom: 55 };
const COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

const decadesAround = (lo: number, hi: number): [number, number] => [Math.floor(Math.log10(lo)), Math.ceil(Math.log10(hi))];
const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const num = (n: number): string => (Math.round(n * 10) / 10).toString();
const tickLabel = (v: number): string => (v >= 1000 ? `${v / 1000}k` : v >= 1 ? String(v) : String(v));

export function latencyChart(series: readonly Series[], title: string, labels: ChartLabels = LATENCY): string {
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.flatMap((p) => [p[1], p[2]]).filter((v) => v > 0);
  const [x0, x1] = decadesAround(Math.min(1, ...xs), Math.max(10, ...xs));
  const [y0, y1] = decadesAround(Math.min(labels.yRange[0], ...ys), Math.max(labels.yRange[1], ...ys));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (v: number) => MARGIN.left + ((Math.log10(v) - x0) / (x1 - x0)) * plotW;
  const y = (v: number) => MARGIN.top + plotH - ((Math.log10(Math.max(v, 10 ** y0)) - y0) / (y1 - y0)) * plotH;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
  ];
  // Grid and axes: a line per decade, labelled.
  for (let d = x0; d <= x1; d++) {
    const px = num(x(10 ** d));
    out.push(`<line x1="${px}" y1="${MARGIN.top}" x2="${px}" y2="${MARGIN.top + plotH}" stroke="#ddd"/>`);
    out.push(`<text x="${px}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${tickLabel(10 ** d)}</text>`);
  }
  for (let d = y0; d <= y1; d++) {
    const py = num(y(10 ** d));
    out.push(`<line x1="${MARGIN.left}" y1="${py}" x2="${MARGIN.left + plotW}" y2="${py}" stroke="#ddd"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${py}" text-anchor="end" dominant-baseline="middle">${tickLabel(Number((10 ** d).toPrecision(1)))}</text>`);
  }
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">connected bot players (log)</text>`);
  out.push(`<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(labels.y)}</text>`);

  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const line = (pick: (p: readonly [number, number, number]) => number) =>
      s.points.map((p, k) => `${k === 0 ? "M" : "L"}${num(x(p[0]))},${num(y(pick(p)))}`).join(" ");
    // The solid value (p99, the figure that breaks first) is the path; the dashed one (p50) a polyline of the same colour.
    out.push(`<path data-step="${esc(s.label)}" d="${line((p) => p[2]) || "M0,0"}" fill="none" stroke="${color}" stroke-width="2"/>`);
    const p50 = s.points.map((p) => `${num(x(p[0]))},${num(y(p[1]))}`).join(" ");
    if (p50 !== "") out.push(`<polyline points="${p50}" fill="none" stroke="${color}" stroke-width="1.5" stroke-dasharray="5,4"/>`);
    for (const p of s.points) out.push(`<circle cx="${num(x(p[0]))}" cy="${num(y(p[2]))}" r="3" fill="${color}"/>`);
    const ly = MARGIN.top + 10 + i * 20;
    const lx = MARGIN.left + plotW + 16;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${esc(s.label)}</text>`);
  });
  const ly = MARGIN.top + 10 + series.length * 20 + 10;
  const lx = MARGIN.left + plotW + 16;
  out.push(`<text x="${lx}" y="${ly}" dominant-baseline="middle" fill="#555">${esc(labels.legend)}</text>`);
  out.push("</svg>");
  return out.join("\n") + "\n";
}
