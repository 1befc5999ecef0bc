// Bar and line charts as standalone SVG strings, written by hand so the report needs no
// plotting dependency. Small on purpose: horizontal grouped bars, lines with markers,
// linear or log axes, a legend, values printed next to bars.

export type Scale = 'linear' | 'log';

export interface BarSeries {
  readonly name: string;
  /** One value per category; undefined draws a "not run" note instead of a bar. */
  readonly values: readonly (number | undefined)[];
}

export interface BarChartSpec {
  readonly title: string;
  readonly subtitle?: string;
  readonly axisLabel: string;
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  /** @default 'linear' */
  readonly scale?: Scale;
  readonly formatValue?: (value: number) => string;
  /** Text for a missing value. @default 'not run' */
  readonly missingLabel?: string;
}

export interface LinePoint {
  readonly x: number;
  readonly y: number;
}

export interface LineSeries {
  readonly name: string;
  readonly points: readonly LinePoint[];
  /** Draw the line dashed, e.g. for a reference line. @default false */
  readonly dashed?: boolean;
}

export interface LineChartSpec {
  readonly title: string;
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  /** @default 'linear' */
  readonly xScale?: Scale;
  /** @default 'linear' */
  readonly yScale?: Scale;
  /** Ticks to label on the x axis (defaults to nice ticks). */
  readonly xTicks?: readonly number[];
  readonly formatX?: (value: number) => string;
  readonly formatY?: (value: number) => string;
}

export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#9c755f',
  '#bab0ac',
  '#ff9da7',
] as const;

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** 1,234 → "1.2k", 250,000 → "250k", 3,000,000 → "3M"; small numbers keep two significant digits. */
export function compactNumber(value: number): string {
  const abs = Math.abs(value);
  const trim = (n: number) => String(Number(n.toPrecision(3)));
  if (abs >= 1e9) return `${trim(value / 1e9)}G`;
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  if (abs === 0) return '0';
  if (abs >= 1) return trim(value);
  return String(Number(value.toPrecision(2)));
}

function niceStep(rough: number): number {
  const exponent = Math.floor(Math.log10(rough));
  const base = 10 ** exponent;
  const fraction = rough / base;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * base;
}

interface Axis {
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly number[];
  /** 0..1 position of a value along the axis. */
  position(value: number): number;
}

export function linearAxis(dataMin: number, dataMax: number, targetTicks = 5): Axis {
  const low = Math.min(0, dataMin);
  const high = dataMax > low ? dataMax : low + 1;
  const step = niceStep((high - low) / targetTicks);
  const min = Math.floor(low / step) * step;
  const max = Math.ceil(high / step) * step;
  const ticks: number[] = [];
  for (let tick = min; tick <= max + step / 2; tick += step)
    ticks.push(Number(tick.toPrecision(12)));
  return { min, max, ticks, position: (value) => (value - min) / (max - min) };
}

const LOG_STEPS = [1, 2, 5] as const;

/** The largest 1-2-5 step at or below `value` (for a log axis start). */
function stepBelow(value: number): number {
  const exponent = Math.floor(Math.log10(value));
  const candidates = LOG_STEPS.map((m) => m * 10 ** exponent).filter((c) => c <= value);
  return candidates.at(-1) ?? 10 ** exponent;
}

/** The smallest 1-2-5 step at or above `value` (for a log axis end). */
function stepAbove(value: number): number {
  const exponent = Math.floor(Math.log10(value));
  const candidates = [...LOG_STEPS, 10].map((m) => m * 10 ** exponent).filter((c) => c >= value);
  return candidates[0] ?? 10 ** (exponent + 1);
}

export function logAxis(dataMin: number, dataMax: number): Axis {
  const positiveMin = dataMin > 0 ? dataMin : 1;
  const positiveMax = dataMax > positiveMin ? dataMax : positiveMin * 10;
  const min = stepBelow(positiveMin);
  const max = stepAbove(positiveMax);
  const span = Math.log10(max / min);
  const multipliers = span <= 2.5 ? LOG_STEPS : [1];
  const ticks: number[] = [];
  for (let exponent = Math.floor(Math.log10(min)); 10 ** exponent <= max; exponent++) {
    for (const m of multipliers) {
      const tick = m * 10 ** exponent;
      if (tick >= min * 0.999 && tick <= max * 1.001) ticks.push(Number(tick.toPrecision(12)));
    }
  }
  return {
    min,
    max,
    ticks,
    position: (value) => Math.log10(Math.max(value, min) / min) / span,
  };
}

function axisFor(scale: Scale, values: readonly number[]): Axis {
  const finite = values.filter((v) => Number.isFinite(v));
  const min = finite.length > 0 ? Math.min(...finite) : 0;
  const max = finite.length > 0 ? Math.max(...finite) : 1;
  return scale === 'log' ? logAxis(min, max) : linearAxis(min, max);
}

function text(
  x: number,
  y: number,
  content: string,
  attributes: Record<string, string | number> = {},
): string {
  const attrs = Object.entries(attributes)
    .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
    .join('');
  return `<text x="${round(x)}" y="${round(y)}"${attrs}>${escapeXml(content)}</text>`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function header(title: string, subtitle: string | undefined): string[] {
  const lines = [text(16, 24, title, { 'font-size': 15, 'font-weight': 600, fill: '#222' })];
  if (subtitle) lines.push(text(16, 42, subtitle, { fill: '#555' }));
  return lines;
}

function legend(names: readonly string[], x: number, y: number, vertical: boolean): string[] {
  const parts: string[] = [];
  let cursor = x;
  names.forEach((name, index) => {
    const color = PALETTE[index % PALETTE.length] ?? '#888';
    const top = vertical ? y + index * 18 : y;
    const left = vertical ? x : cursor;
    parts.push(`<rect x="${left}" y="${top - 9}" width="12" height="12" fill="${color}"/>`);
    parts.push(text(left + 17, top + 1, name, { fill: '#333' }));
    cursor += 34 + name.length * 6.5;
  });
  return parts;
}

export function renderBarChart(spec: BarChartSpec): string {
  const format = spec.formatValue ?? compactNumber;
  const width = 780;
  const labelWidth = 240;
  const valueRoom = 110;
  const barHeight = 16;
  const groupGap = 12;
  const seriesCount = Math.max(1, spec.series.length);
  const groupHeight = seriesCount * barHeight + groupGap;
  const top = (spec.subtitle ? 52 : 36) + (spec.series.length > 1 ? 24 : 0);
  const plotHeight = spec.categories.length * groupHeight;
  const height = top + plotHeight + 48;
  const plotLeft = labelWidth;
  const plotWidth = width - labelWidth - valueRoom;
  const values = spec.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined));
  const axis = axisFor(spec.scale ?? 'linear', values);
  const xOf = (value: number) => plotLeft + axis.position(value) * plotWidth;

  const body = header(spec.title, spec.subtitle);
  if (spec.series.length > 1) {
    body.push(
      ...legend(
        spec.series.map((s) => s.name),
        16,
        top - 12,
        false,
      ),
    );
  }
  for (const tick of axis.ticks) {
    const x = xOf(tick);
    body.push(
      `<line x1="${round(x)}" y1="${top}" x2="${round(x)}" y2="${top + plotHeight}" stroke="#e5e5e5"/>`,
    );
    body.push(
      text(x, top + plotHeight + 16, compactNumber(tick), {
        'text-anchor': 'middle',
        fill: '#555',
      }),
    );
  }
  body.push(
    text(plotLeft + plotWidth / 2, top + plotHeight + 36, spec.axisLabel, {
      'text-anchor': 'middle',
      fill: '#333',
    }),
  );
  spec.categories.forEach((category, categoryIndex) => {
    const groupTop = top + categoryIndex * groupHeight + groupGap / 2;
    body.push(
      text(plotLeft - 8, groupTop + (seriesCount * barHeight) / 2 + 4, category, {
        'text-anchor': 'end',
        fill: '#222',
      }),
    );
    spec.series.forEach((series, seriesIndex) => {
      const y = groupTop + seriesIndex * barHeight;
      const value = series.values[categoryIndex];
      const color = PALETTE[seriesIndex % PALETTE.length] ?? '#888';
      if (value === undefined) {
        body.push(
          text(plotLeft + 4, y + barHeight - 4, spec.missingLabel ?? 'not run', {
            fill: '#999',
            'font-style': 'italic',
          }),
        );
        return;
      }
      const end = xOf(value);
      const barWidth = Math.max(1, end - plotLeft);
      body.push(
        `<rect x="${plotLeft}" y="${round(y + 1)}" width="${round(barWidth)}" height="${barHeight - 2}" fill="${color}"><title>${escapeXml(`${category} — ${series.name}: ${format(value)}`)}</title></rect>`,
      );
      body.push(text(plotLeft + barWidth + 4, y + barHeight - 4, format(value), { fill: '#333' }));
    });
  });
  body.push(
    `<line x1="${plotLeft}" y1="${top}" x2="${plotLeft}" y2="${top + plotHeight}" stroke="#888"/>`,
  );
  return frame(width, height, spec.title, body);
}

export function renderLineChart(spec: LineChartSpec): string {
  const formatX = spec.formatX ?? compactNumber;
  const formatY = spec.formatY ?? compactNumber;
  const width = 820;
  const height = 420;
  const left = 72;
  const right = 260;
  const top = spec.subtitle ? 60 : 44;
  const bottom = 56;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const points = spec.series.flatMap((s) => s.points);
  const xAxis = axisFor(
    spec.xScale ?? 'linear',
    points.map((p) => p.x),
  );
  const yAxis = axisFor(
    spec.yScale ?? 'linear',
    points.map((p) => p.y),
  );
  const xOf = (value: number) => left + xAxis.position(value) * plotWidth;
  const yOf = (value: number) => top + plotHeight - yAxis.position(value) * plotHeight;

  const body = header(spec.title, spec.subtitle);
  for (const tick of yAxis.ticks) {
    const y = yOf(tick);
    body.push(
      `<line x1="${left}" y1="${round(y)}" x2="${left + plotWidth}" y2="${round(y)}" stroke="#e5e5e5"/>`,
    );
    body.push(text(left - 6, y + 4, formatY(tick), { 'text-anchor': 'end', fill: '#555' }));
  }
  for (const tick of spec.xTicks ?? xAxis.ticks) {
    const x = xOf(tick);
    body.push(
      `<line x1="${round(x)}" y1="${top}" x2="${round(x)}" y2="${top + plotHeight}" stroke="#f0f0f0"/>`,
    );
    body.push(
      text(x, top + plotHeight + 16, formatX(tick), { 'text-anchor': 'middle', fill: '#555' }),
    );
  }
  body.push(
    `<rect x="${left}" y="${top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#888"/>`,
  );
  body.push(
    text(left + plotWidth / 2, height - 14, spec.xLabel, { 'text-anchor': 'middle', fill: '#333' }),
  );
  body.push(
    text(16, top + plotHeight / 2, spec.yLabel, {
      'text-anchor': 'middle',
      fill: '#333',
      transform: `rotate(-90 16 ${round(top + plotHeight / 2)})`,
    }),
  );
  spec.series.forEach((series, index) => {
    const color = PALETTE[index % PALETTE.length] ?? '#888';
    const sorted = [...series.points].sort((a, b) => a.x - b.x);
    if (sorted.length > 1) {
      const path = sorted.map((p) => `${round(xOf(p.x))},${round(yOf(p.y))}`).join(' ');
      const dash = series.dashed ? ' stroke-dasharray="6 4"' : '';
      body.push(
        `<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`,
      );
    }
    for (const p of sorted) {
      body.push(
        `<circle cx="${round(xOf(p.x))}" cy="${round(yOf(p.y))}" r="3.5" fill="${color}"><title>${escapeXml(`${series.name}: ${formatX(p.x)} → ${formatY(p.y)}`)}</title></circle>`,
      );
    }
  });
  body.push(
    ...legend(
      spec.series.map((s) => s.name),
      left + plotWidth + 16,
      top + 8,
      true,
    ),
  );
  return frame(width, height, spec.title, body);
}
