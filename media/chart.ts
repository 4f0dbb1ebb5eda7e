/**
 * The timeline charts, drawn as SVG at the pixel width they get: a viewBox would scale the text
 * with the panel, and panels range from a narrow side column to a full editor.
 * Colours come from CSS classes (panel.css) so they follow the theme; the CSP forbids style attributes.
 */
import type { Timeline, TimelineEvent } from '../src/core/diagnosis/types';
import { h, s } from './dom';
import { count, duration, seconds } from './format';
import { k, t as say } from './l10n';

/** Axis labels must stay short: "+1h30", "+2m30", "+20s". */
function offsetLabel(ms: number): string {
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours > 0) return minutes > 0 ? `+${hours}h${String(minutes).padStart(2, '0')}` : `+${hours}h`;
  if (minutes > 0) return secs > 0 ? `+${minutes}m${String(secs).padStart(2, '0')}` : `+${minutes}m`;
  return `+${secs}s`;
}

type Draw = (width: number) => SVGSVGElement;

const boxes = new Map<HTMLElement, { draw: Draw; width: number }>();
const observer = new ResizeObserver(entries => {
  for (const entry of entries) redraw(entry.target as HTMLElement);
});

/** A container whose chart is (re)drawn once it is in the document and whenever its width changes. */
export function chartBox(className: string, draw: Draw): HTMLElement {
  const box = h('div', { class: `chart-box ${className}` });
  boxes.set(box, { draw, width: -1 });
  return box;
}

/** Call after the boxes are in the document: draws them now, so the charts exist as soon as the state does. */
export function mountCharts(): void {
  observer.disconnect();
  for (const box of [...boxes.keys()]) {
    if (!box.isConnected) {
      boxes.delete(box);
      continue;
    }
    redraw(box);
    observer.observe(box);
  }
}

function redraw(box: HTMLElement): void {
  const entry = boxes.get(box);
  if (!entry) return;
  const width = Math.max(240, Math.floor(box.clientWidth) || 600);
  if (width === entry.width) return;
  entry.width = width;
  box.replaceChildren(entry.draw(width));
}

/** Pods in order of first appearance; the chart colours and the legend share this order. */
export function podsOf(timeline: Timeline): (string | null)[] {
  const pods: (string | null)[] = [];
  for (const e of timeline.events) if (!pods.includes(e.pod)) pods.push(e.pod);
  return pods;
}

export function podClass(pods: (string | null)[], pod: string | null): string {
  return `pod-${pods.indexOf(pod) % 5}`;
}

interface Frame { left: number; right: number; top: number; bottom: number; width: number; height: number }

function frame(width: number, height: number, m: { l: number; r: number; t: number; b: number }): Frame {
  return { left: m.l, right: width - m.r, top: m.t, bottom: height - m.b, width, height };
}

function chartSvg(id: string, f: Frame, summary: string): SVGSVGElement {
  return s('svg', { id, class: 'chart', width: f.width, height: f.height, role: 'img', 'aria-label': summary },
    s('title', {}, summary));
}

function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  return v => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((v - d0) / (d1 - d0)) * (r1 - r0));
}

/** A 1-2-5 step giving at most `count` intervals over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map(k => k * mag).find(k => k >= raw) ?? 10 * mag;
}

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map(v => v * 1000);

function timeAxis(svg: SVGSVGElement, f: Frame, spanMs: number, x: (ms: number) => number, grid: boolean): void {
  const step = TIME_STEPS.find(st => (st / Math.max(spanMs, 1)) * (f.right - f.left) >= 56) ?? TIME_STEPS[TIME_STEPS.length - 1];
  const axis = s('g', { class: 'axis' }, s('line', { x1: f.left, x2: f.right, y1: f.bottom, y2: f.bottom }));
  for (let t = 0; t <= spanMs; t += step) {
    const px = x(t);
    if (grid && t > 0) svg.append(s('line', { class: 'grid', x1: px, x2: px, y1: f.top, y2: f.bottom }));
    axis.append(
      s('line', { x1: px, x2: px, y1: f.bottom, y2: f.bottom + 4 }),
      s('text', { x: px, y: f.bottom + 16, 'text-anchor': t === 0 ? 'start' : 'middle' }, t === 0 ? '0' : offsetLabel(t)),
    );
  }
  svg.append(axis);
}

function markTitle(e: TimelineEvent): SVGTitleElement {
  return s('title', {}, `${say('{0} at +{1}, phase {2}', e.kind, duration(e.offsetMs), seconds(e.phaseSeconds))}\n${e.pod ?? say('pod unknown')}\n${e.file}:${e.line}`);
}

/** Circular distance on the period: 9.9 s and 0.1 s are 0.2 s apart. */
function phaseDistance(a: number, b: number, period: number): number {
  const d = Math.abs(a - b) % period;
  return Math.min(d, period - d);
}

function nearTick(t: Timeline, window = 0.5): number {
  if (t.tickPhaseSeconds === null) return 0;
  const tick = t.tickPhaseSeconds;
  return t.events.filter(e => phaseDistance(e.phaseSeconds, tick, t.periodSeconds) <= window).length;
}

function tickLabel(t: Timeline): string {
  return t.tickPhaseFrom === 'events' ? say('mean phase') : say('tick');
}

/** The tick's phase and where it comes from (the kubelet's logged start, or the events' mean), in the three forms the charts show. */
function tickWords(t: Timeline, form: 'label' | 'summary' | 'sub'): string {
  const at = seconds(t.tickPhaseSeconds ?? 0);
  if (t.tickPhaseFrom === 'events') return form === 'label' ? say('mean phase {0} (events)', at) : form === 'summary' ? say('; mean phase at {0} (from events)', at) : say('{0} · events', at);
  if (t.tickPhaseFrom === 'kubelet start') return form === 'label' ? say('tick {0} (kubelet start)', at) : form === 'summary' ? say('; tick at {0} (from kubelet start)', at) : say('{0} · kubelet start', at);
  return form === 'label' ? say('tick {0}', at) : form === 'summary' ? say('; tick at {0}', at) : at;
}

/** What the events are and what the period is, in the words of the attachment the timeline came with. */
export interface PhaseWords {
  events: string;
  period: string;
}

/** The events on the wall-clock axis, one lane per pod. */
export function drawTimelineStrip(t: Timeline, words: PhaseWords): Draw {
  const pods = podsOf(t);
  const lanes = pods.length <= 6 ? pods.length : 1;
  const ticks = t.spanMs / 1000 / t.periodSeconds;
  const summary = say('{0} {1} over {2} from {3}.', t.events.length, k(words.events), duration(t.spanMs), count(pods.length, 'pod'));
  return width => {
    const f = frame(width, 16 + Math.max(1, lanes) * 20 + 24, { l: 12, r: 24, t: 8, b: 24 });
    const svg = chartSvg('timeline-chart', f, summary);
    const x = scale(0, t.spanMs, f.left, f.right);
    const laneHeight = (f.bottom - f.top) / Math.max(1, lanes);
    // The period's ticks are drawn only while they stay apart; over hours they would fill the strip.
    if (t.tickPhaseSeconds !== null && t.events.length > 0 && ticks <= (f.right - f.left) / 6) {
      const first = (t.tickPhaseSeconds - t.events[0].phaseSeconds) * 1000;
      const periodMs = t.periodSeconds * 1000;
      for (let ms = first - Math.floor(first / periodMs) * periodMs; ms <= t.spanMs; ms += periodMs) {
        svg.append(s('line', { class: 'period-tick', x1: x(ms), x2: x(ms), y1: f.top, y2: f.bottom }));
      }
    }
    for (let i = 1; i < lanes; i++) {
      svg.append(s('line', { class: 'lane', x1: f.left, x2: f.right, y1: f.top + i * laneHeight, y2: f.top + i * laneHeight }));
    }
    timeAxis(svg, f, t.spanMs, x, false);
    for (const e of t.events) {
      const lane = lanes > 1 ? pods.indexOf(e.pod) : 0;
      svg.append(s('rect', {
        class: `mark ${podClass(pods, e.pod)}${e.kind === 'EOF' ? '' : ' hollow'}`,
        x: x(e.offsetMs) - 1.5, y: f.top + lane * laneHeight + 3, width: 3, height: laneHeight - 6, rx: 1,
      }, markTitle(e)));
    }
    return svg;
  };
}

/**
 * Each event's phase within the period against time: events the periodic process causes fall on one
 * horizontal line, whatever the span; unrelated failures scatter over the whole height.
 */
export function drawPhaseScatter(t: Timeline, words: PhaseWords): Draw {
  const pods = podsOf(t);
  const period = t.periodSeconds;
  const summary = t.tickPhaseSeconds === null
    ? say('Phase of {0} {1} within the {2} period of {3}, over time.', t.events.length, k(words.events), seconds(period), k(words.period))
    : say('Phase of each of the {0} within the {1} period of {2}, over time: {3} of {4} within ±0.5 s of the {5} at {6}.', k(words.events), seconds(period), k(words.period), nearTick(t), t.events.length, tickLabel(t), seconds(t.tickPhaseSeconds));
  return width => {
    const f = frame(width, 250, { l: 40, r: 24, t: 16, b: 28 });
    const svg = chartSvg('phase-scatter', f, summary);
    const x = scale(0, t.spanMs, f.left, f.right);
    const y = scale(0, period, f.bottom, f.top);
    const step = niceStep(period, 5);
    const axis = s('g', { class: 'axis' }, s('line', { x1: f.left, x2: f.left, y1: f.top, y2: f.bottom }));
    for (let v = 0; v <= period + 1e-9; v += step) {
      if (v > 0) svg.append(s('line', { class: 'grid', x1: f.left, x2: f.right, y1: y(v), y2: y(v) }));
      axis.append(s('text', { x: f.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, `${Number(v.toFixed(3))} s`));
    }
    svg.append(axis);
    timeAxis(svg, f, t.spanMs, x, true);
    if (t.tickPhaseSeconds !== null) {
      const ty = y(t.tickPhaseSeconds);
      const band = Math.abs(y(0.5) - y(0));
      svg.append(
        s('rect', { class: 'tick-band', x: f.left, y: ty - band, width: f.right - f.left, height: 2 * band }),
        s('line', { class: 'tick-marker', x1: f.left, x2: f.right, y1: ty, y2: ty }),
        s('text', { class: 'tick-label', x: f.right, y: ty < f.top + 28 ? ty + band + 13 : ty - band - 5, 'text-anchor': 'end' },
          tickWords(t, 'label')),
      );
    }
    for (const e of t.events) {
      svg.append(s('circle', {
        class: `mark ${podClass(pods, e.pod)}${e.kind === 'EOF' ? '' : ' hollow'}`,
        cx: x(e.offsetMs), cy: y(e.phaseSeconds), r: 4,
      }, markTitle(e)));
    }
    return svg;
  };
}

/** Events per bin of the period: a single tall bar next to the tick is the alignment, seen folded. */
export function drawPhaseHistogram(t: Timeline): Draw {
  const period = t.periodSeconds;
  const bins = t.histogram;
  const binWidth = bins.length > 0 ? period / bins.length : period;
  const top = bins.reduce((best, v, i) => (v > bins[best] ? i : best), 0);
  const max = Math.max(1, ...bins);
  const tick = t.tickPhaseSeconds === null ? '' : tickWords(t, 'summary');
  const summary = bins.length === 0
    ? say('No phase histogram.')
    : say('Events per {0} of the {1} period; the fullest bin, {2} to {3}, holds {4}{5}.', seconds(binWidth), seconds(period), seconds(top * binWidth), seconds((top + 1) * binWidth), bins[top]!, tick);
  return width => {
    const f = frame(width, 250, { l: 34, r: 16, t: 40, b: 28 });
    const svg = chartSvg('phase-histogram', f, summary);
    const x = scale(0, period, f.left, f.right);
    const yStep = Math.max(1, niceStep(max, 4));
    const yMax = Math.ceil(max / yStep) * yStep;
    const y = scale(0, yMax, f.bottom, f.top);
    const axis = s('g', { class: 'axis' }, s('line', { x1: f.left, x2: f.right, y1: f.bottom, y2: f.bottom }));
    for (let v = 0; v <= yMax; v += yStep) {
      if (v > 0) svg.append(s('line', { class: 'grid', x1: f.left, x2: f.right, y1: y(v), y2: y(v) }));
      axis.append(s('text', { x: f.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, String(v)));
    }
    const xStep = niceStep(period, Math.max(2, Math.floor((f.right - f.left) / 48)));
    for (let v = 0; v <= period + 1e-9; v += xStep) {
      axis.append(
        s('line', { x1: x(v), x2: x(v), y1: f.bottom, y2: f.bottom + 4 }),
        s('text', { x: x(v), y: f.bottom + 16, 'text-anchor': 'middle' }, `${Number(v.toFixed(3))} s`),
      );
    }
    bins.forEach((n, i) => {
      if (n === 0) return;
      const x0 = x(i * binWidth);
      const x1 = x((i + 1) * binWidth);
      svg.append(s('rect', { class: 'bar', x: x0 + 0.5, y: y(n), width: Math.max(1, x1 - x0 - 1), height: f.bottom - y(n) },
        s('title', {}, say('{0} at {1}–{2}', count(n, 'event'), seconds(i * binWidth), seconds((i + 1) * binWidth)))));
    });
    svg.append(axis);
    if (t.tickPhaseSeconds !== null) {
      const tx = x(t.tickPhaseSeconds);
      const anchor = tx > (f.left + f.right) / 2 ? 'end' : 'start';
      const dx = anchor === 'end' ? -6 : 6;
      svg.append(
        s('line', { class: 'tick-marker', x1: tx, x2: tx, y1: f.top - 30, y2: f.bottom }),
        s('text', { class: 'tick-label', x: tx + dx, y: f.top - 20, 'text-anchor': anchor }, tickLabel(t)),
        s('text', { class: 'tick-sub', x: tx + dx, y: f.top - 6, 'text-anchor': anchor }, tickWords(t, 'sub')),
      );
    }
    return svg;
  };
}
