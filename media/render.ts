/**
 * The six steps of the diagnosis page, one render function each, all pure functions of the state.
 * Actions only post messages; the host answers with a new state and the page is rendered again.
 */
import { headline, listed, probability } from '../src/core/diagnosis/numbers';
import type { PanelHop, PanelState, WebviewMessage } from '../src/core/diagnosis/protocol';
import type { Attachment, CauseInfo, Cluster, Contribution, Diagnosis, DiagnosisGroup, Evidence, NextQuestion, PhaseTimelineAttachment, Question, RankedCause, SourceCheckAttachment, Timeline, UserFacts } from '../src/core/diagnosis/types';
import { chartBox, drawPhaseHistogram, drawPhaseScatter, drawTimelineStrip, podClass, podsOf } from './chart';
import { type Child, h, icon } from './dom';
import { baseName, causeTitle, count, duration, holdsLabel, pValue, percent, seconds, shortTime, sourceLabel } from './format';

export interface View {
  post(message: WebviewMessage): void;
  /** The report preview stays open across re-renders once opened. */
  reportOpen: boolean;
  setReportOpen(open: boolean): void;
}

/** The attachments of every observation, of one kind: the views the input supports, whatever cause they speak for. */
function attachmentsOf<K extends Attachment['kind']>(d: Diagnosis, kind: K): { evidence: Evidence; attachment: Extract<Attachment, { kind: K }> }[] {
  return d.verdict.evidence.flatMap(e => (e.attachments ?? []).filter((a): a is Extract<Attachment, { kind: K }> => a.kind === kind).map(attachment => ({ evidence: e, attachment })));
}

export function renderPage(state: PanelState, view: View): HTMLElement[] {
  const d = state.diagnosis;
  // A timeline is a step only when this input has one to show.
  const timelines = attachmentsOf(d, 'phase-timeline').filter(t => t.attachment.timeline.events.length > 0);
  const steps: [string, string, Child[]][] = [
    ['symptom', 'Symptom', renderSymptom(state, view)],
    ['chain', 'Where it comes from', renderChain(state, view)],
    ['evidence', 'Evidence', renderEvidence(d, state.answers, view)],
    ...timelines.map((t, i): [string, string, Child[]] => [i === 0 ? 'timeline' : `timeline-${i + 1}`, 'Timeline', renderTimeline(t.attachment)]),
    ['differential', 'Which cause', renderDifferential(state, view)],
    ['verdict', 'Verdict and fix', renderVerdict(state)],
    ['report', 'Report', renderReport(state, view)],
  ];
  return [renderHeader(state), ...steps.map(([id, title, body], i) => step(id, i + 1, title, body))];
}

function step(id: string, n: number, title: string, body: Child[]): HTMLElement {
  return h('section', { id, class: 'step', 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title`, tabindex: -1 },
      h('span', { class: 'step-no' }, h('span', { class: 'sr-only' }, 'Step '), n, h('span', { class: 'sr-only' }, ': ')),
      h('span', { class: 'step-title' }, title)),
    ...body);
}

/** Opening a file is an action for the host, not navigation: a button, so VS Code's link handling stays out of it. */
function fileLink(view: View, key: string, file: string, line: number, label = `${baseName(file)}:${line}`): HTMLElement {
  return h('button', {
    type: 'button', class: 'link file-link', title: `${file}:${line}`, 'aria-label': `Open ${file} at line ${line}`,
    'data-key': `open:${key}`,
    onclick: () => view.post({ type: 'open', file, line }),
  }, label);
}

function button(label: string, attrs: Record<string, string>, onclick: () => void): HTMLElement {
  return h('vscode-button', { ...attrs, onclick }, label);
}

function renderHeader(state: PanelState): HTMLElement {
  const d = state.diagnosis;
  return h('header', { class: 'page-head' },
    h('div', { class: 'eyebrow' }, 'Runtime Lens · diagnosis'),
    h('h1', {}, state.subject),
    h('div', { class: 'meta' },
      h('span', {}, `${count(d.inputs.files, 'file')} · ${count(d.inputs.lines, 'line')} read`),
      h('span', { class: 'sep', 'aria-hidden': 'true' }, '·'),
      h('span', { class: 'glance' }, headline(d).line),
      h('button', {
        type: 'button', class: 'link', 'data-key': 'goto-verdict',
        onclick: () => {
          const heading = document.getElementById('verdict-title');
          heading?.scrollIntoView({ behavior: 'smooth', block: 'start' });
          heading?.focus({ preventScroll: true });
        },
      }, 'Go to the verdict')),
    d.clock ? h('p', { class: 'note clock' }, icon('clock'), h('span', {}, h('strong', {}, 'Clock: '), d.clock)) : null,
    // Sources traced after the panel opened change the verdict only when they are the node's: say which, up front.
    ...attachmentsOf(d, 'source-check').map(({ attachment: a }) => h('p', { class: 'note sources', 'data-weighed': String(a.weighed) }, icon(a.weighed ? 'check' : 'question'),
      h('span', {}, h('strong', {}, `Your ${a.program} sources: `), a.weighed ? `${a.why}; their ${a.subject} is weighed in this verdict.` : `${a.why}.`))),
  );
}

// ── 1. Symptom ────────────────────────────────────────────────────────────────────────────────

function renderSymptom(state: PanelState, view: View): Child[] {
  const clusters = state.diagnosis.clusters;
  if (clusters.length === 0) {
    return [h('p', { class: 'lead' }, `No known runtime error signatures in ${state.subject}.`), renderPaste(state, view)];
  }
  const total = clusters.reduce((n, c) => n + c.count, 0);
  const signatures = new Set(clusters.map(c => c.signature)).size;
  const pods = new Set(clusters.filter(c => c.pod !== null).map(c => c.pod)).size;
  return [
    h('p', { class: 'lead' },
      `Found ${count(total, 'line')} matching ${count(signatures, 'known signature')} in ${state.subject}`,
      pods > 0 ? `, from ${count(pods, 'pod')}.` : '.'),
    renderByNode(state.diagnosis),
    renderFleet(state.diagnosis),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'clusters' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Signature'),
          h('th', { scope: 'col' }, 'Pod / container'),
          h('th', { scope: 'col', class: 'num' }, 'Count'),
          h('th', { scope: 'col' }, 'First seen'),
          h('th', { scope: 'col' }, 'Last seen'),
          h('th', { scope: 'col', class: 'num' }, 'Per hour'))),
        h('tbody', {}, ...clusters.map(clusterRow)))),
    renderPaste(state, view),
  ];
}

/** Several causes at once, or several nodes: what each node's groups settle on — "node-a: the state race (47 × OCI exec EOF)". */
function renderByNode(d: Diagnosis): HTMLElement | null {
  const nodes = new Set(d.byNode.map(n => n.node));
  if (d.explained.length < 2 && nodes.size < 2) return null;
  return h('div', { class: 'block by-node', id: 'by-node' },
    h('h3', {}, d.explained.length > 1 ? `${count(d.explained.length, 'cause')} at once, each for its own failures` : 'Causes by node'),
    h('ul', { class: 'by-node-list' }, ...d.byNode.map(n => h('li', { 'data-node': n.node ?? '', 'data-cause': n.cause },
      h('strong', {}, n.node ?? 'no node named'), ': ',
      h('span', { class: 'cause-name' }, causeTitle(n.cause, d)),
      ` (${n.errors.join(', ')})`,
      h('span', { class: 'muted small' }, ` · ${percent(n.confidence)}`)))));
}

/** Which nodes fail, how often, with which runc, and each node's own leading cause. */
function renderFleet(d: Diagnosis): HTMLElement | null {
  if (d.fleet.length === 0) return null;
  return h('div', { class: 'block fleet', id: 'fleet' },
    h('h3', {}, `Fleet: ${count(d.fleet.length, 'node')}, ${count(d.fleet.filter(n => n.failures > 0).length, 'failing', 'failing')}`),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'clusters fleet-table' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Node'),
          h('th', { scope: 'col', class: 'num' }, 'Failures'),
          h('th', { scope: 'col' }, 'runc'),
          h('th', { scope: 'col' }, 'Its leading cause'),
          h('th', { scope: 'col' }, 'Errors'))),
        h('tbody', {}, ...d.fleet.map(n => h('tr', { 'data-node': n.node },
          h('td', { class: 'cell-title' }, n.node),
          h('td', { class: 'num strong' }, n.failures.toLocaleString('en-US')),
          h('td', {}, n.runc ?? h('span', { class: 'muted' }, 'not seen')),
          h('td', {}, n.cause === 'none' ? causeTitle(n.cause, d)
            : n.cause === 'unknown' && n.leader ? `${causeTitle(n.cause, d)} — ${causeTitle(n.leader, d)} leads with ${probability(n.confidence)}`
              : `${causeTitle(n.cause, d)} (${probability(n.confidence)})`),
          h('td', { class: 'cell-sub' }, n.signatures.join(', '))))))));
}

/** Node output the user has at hand (kernel log, memory.events, runc --version, df) goes into the diagnosis by paste. */
function renderPaste(state: PanelState, view: View): HTMLElement {
  const area = h('vscode-text-area', {
    id: 'paste', rows: 4, resize: 'vertical', 'data-key': 'paste', 'aria-label': 'Paste node output',
    placeholder: 'Paste node output: journalctl -k / dmesg, memory.events, pids.*, freezer.state, runc --version, df -h /run /tmp, kubelet -v=4 lines…',
  }) as HTMLElement & { value: string };
  return h('details', { class: 'block paste', open: state.pasted.length > 0 },
    h('summary', { 'data-key': 'paste-open' }, 'Add node output by pasting it'),
    area,
    h('div', { class: 'actions' }, button('Add to the diagnosis', { id: 'paste-add', appearance: 'secondary', 'data-key': 'paste-add' }, () => {
      if (area.value.trim()) view.post({ type: 'paste', text: area.value });
    })),
    state.pasted.length ? h('ul', { class: 'pasted' }, ...state.pasted.map(p => h('li', {},
      `${p.name}: ${count(p.lines, 'line')} `,
      h('button', { type: 'button', class: 'link', 'data-key': `unpaste:${p.name}`, onclick: () => view.post({ type: 'unpaste', name: p.name }) }, 'remove')))) : null);
}

function clusterRow(c: Cluster): HTMLElement {
  return h('tr', {},
    h('td', {},
      h('div', { class: 'cell-title' }, c.title),
      h('div', { class: 'cell-sub' }, h('code', {}, c.signature), c.files.length ? ` in ${c.files.map(baseName).join(', ')}` : '')),
    h('td', {},
      c.pod === null ? h('span', { class: 'muted' }, 'not named in the line') : h('div', { class: 'cell-title pod' }, c.pod),
      c.container === null ? null : h('div', { class: 'cell-sub' }, `container ${c.container}`)),
    h('td', { class: 'num strong' }, c.count.toLocaleString('en-US')),
    h('td', { class: 'time', title: c.firstSeen ?? '' }, shortTime(c.firstSeen)),
    h('td', { class: 'time', title: c.lastSeen ?? '' }, shortTime(c.lastSeen)),
    h('td', { class: 'num' }, c.perHour === null ? '—' : c.perHour.toFixed(1)));
}

// ── 2. Where it comes from ────────────────────────────────────────────────────────────────────

const BOUNDARIES: Record<string, string> = { http: 'HTTP', grpc: 'gRPC', exec: 'fork/exec', file: 'file' };

function renderChain(state: PanelState, view: View): Child[] {
  const chain = state.chain;
  if (chain === null) {
    return [
      h('p', { class: 'lead' },
        'The error travels from runc up through containerd, dockerd and the kubelet before it reaches the probe. ',
        'Trace the call path to see each hop in your Go sources.'),
      h('div', { class: 'actions' }, button('Trace call path', { id: 'trace', 'data-key': 'trace' }, () => view.post({ type: 'trace' }))),
    ];
  }
  const resolved = chain.hops.filter(hop => hop.resolved).length;
  const items: HTMLElement[] = [];
  chain.hops.forEach((hop, i) => {
    const prev = chain.hops[i - 1];
    if (prev && (BOUNDARIES[hop.boundary] || prev.component !== hop.component)) items.push(boundary(prev, hop));
    items.push(hopItem(hop, view));
  });
  return [
    h('p', { class: 'lead' }, h('strong', {}, chain.title), ` — ${count(chain.hops.length, 'hop')}, ${resolved} found in your sources.`),
    h('ol', { class: 'chain' }, ...items),
  ];
}

function boundary(from: PanelHop, to: PanelHop): HTMLElement {
  const kind = BOUNDARIES[to.boundary];
  const crossing = from.component === to.component ? '' : `${from.component} → ${to.component}`;
  return h('li', { class: `boundary${kind ? ` boundary-${to.boundary}` : ''}`, 'aria-label': `${kind ?? 'call'} ${crossing}`.trim() },
    h('span', { class: 'boundary-label' }, kind ?? 'call', crossing ? h('span', { class: 'boundary-to' }, ` → ${to.component}`) : null));
}

function hopItem(hop: PanelHop, view: View): HTMLElement {
  const open = hop.resolved && hop.file !== undefined && hop.line !== undefined;
  return h('li', { class: `hop${hop.resolved ? '' : ' unresolved'}` },
    h('span', { class: 'hop-no' }, `${hop.index}.`),
    open ? fileLink(view, `hop-${hop.index}`, hop.file!, hop.line!, hop.symbol) : h('span', { class: 'hop-symbol' }, hop.symbol),
    h('span', { class: 'hop-component' }, ` · ${hop.component}`),
    hop.resolved ? null : h('span', { class: 'hop-note' }, 'not in your sources'));
}

// ── 3. Evidence ───────────────────────────────────────────────────────────────────────────────

function renderEvidence(d: Diagnosis, answers: UserFacts, view: View): Child[] {
  // What only a person or the lab can tell is asked in the differential step until it is answered.
  const list = d.verdict.evidence.filter(e => e.holds !== null || (e.source !== 'user' && e.source !== 'measured'));
  // Unknown observations that no leading cause is weighed on would not move the ranking: folded away.
  const leaders = d.ranked.filter(r => r.posterior >= 0.01).map(r => d.causes[r.cause]?.observations ?? []);
  const relevant = new Set(leaders.flat());
  const shown = list.filter(e => e.holds !== null || relevant.has(e.id) || d.ranked.length === 0);
  const folded = list.filter(e => !shown.includes(e));
  const holding = list.filter(e => e.holds === true).length;
  const unknown = list.filter(e => e.holds === null).length;
  return [
    h('p', { class: 'lead' },
      `${holding} of ${list.length} checks hold`, unknown ? `, ${unknown} cannot be told from the input` : '',
      '. Each one says where it was seen and how to check it on the node yourself.'),
    h('div', { class: 'evidence-list' }, ...shown.map(e => evidenceItem(e, answers, view))),
    folded.length ? h('details', { class: 'block more-evidence' },
      h('summary', { 'data-key': 'more-evidence' }, `${count(folded.length, 'more check')} the input does not show, which would not move the leading causes`),
      h('div', { class: 'evidence-list' }, ...folded.map(e => evidenceItem(e, answers, view)))) : null,
  ];
}

function evidenceItem(e: Evidence, answers: UserFacts, view: View): HTMLElement {
  const glyph = e.holds === true ? 'check' : e.holds === false ? 'cross' : 'question';
  return h('div', { class: 'evidence-item', 'data-id': e.id, 'data-holds': String(e.holds) },
    h('div', { class: 'ev-head' },
      h('span', { class: `chip chip-${glyph}` }, icon(glyph), h('span', { class: 'status' }, holdsLabel(e.holds))),
      h('h3', { class: 'ev-title' }, e.title),
      h('span', { class: `source source-${e.source}` }, sourceLabel(e.source))),
    h('p', { class: 'detail' }, e.detail),
    ...(e.attachments ?? []).filter((a): a is SourceCheckAttachment => a.kind === 'source-check').map(a => renderSourceCheck(a, e.id, view)),
    e.where ? h('div', { class: 'ev-row' }, h('span', { class: 'ev-label' }, 'Seen at'), fileLink(view, e.id, e.where.file, e.where.line)) : null,
    e.check ? h('div', { class: 'ev-row' },
      h('span', { class: 'ev-label' }, 'Check it yourself'),
      h('code', { class: 'check' }, e.check),
      copyButton(e.check, `copy:${e.id}`, view)) : null,
    e.holds === null && e.collected ? collectedRow(e.collected) : null,
    e.ask ? askRow(e.ask, answers, view) : null);
}

/** Which files of a collected bundle (`runtime-lens collect`) would answer an open observation. */
function collectedRow(files: string[]): HTMLElement {
  return h('div', { class: 'ev-row collected' },
    h('span', { class: 'ev-label' }, 'In a bundle'),
    h('span', {}, ...files.flatMap((f, i) => [i ? ', ' : '', h('code', {}, f)]), ` ${files.length > 1 ? 'answer' : 'answers'} this; “Runtime Lens: Collect from a Node…” gathers ${files.length > 1 ? 'them' : 'it'}`));
}

function copyButton(text: string, key: string, view: View): HTMLElement {
  const b = button('Copy', { class: 'copy', appearance: 'secondary', 'data-key': key, 'aria-label': `Copy: ${text}` }, () => {
    view.post({ type: 'copy', text });
    b.textContent = 'Copied';
    setTimeout(() => (b.textContent = 'Copy'), 1500);
  });
  return b;
}

/** The answer as its control shows it: yes/no, or the value typed (a lab result has its own block). */
function answerOf(answers: UserFacts, fact: Question['fact']): string {
  if (fact === 'timeZone') return answers.timeZone ?? '';
  const v = answers.observations?.[fact.slice('observation:'.length)];
  return typeof v === 'boolean' ? (v ? 'yes' : 'no') : typeof v === 'string' || typeof v === 'number' ? String(v) : '';
}

function askRow(q: Question, answers: UserFacts, view: View): HTMLElement {
  const current = answerOf(answers, q.fact);
  const send = (value: string) => {
    const v = value.trim();
    if (v !== current) view.post({ type: 'answer', fact: q.fact, value: v === '' ? null : v });
  };
  let control: HTMLElement;
  if (q.choices) {
    // The empty option is how an answer is taken back: "—" means the logs decide again.
    const options = [{ value: '', label: '—' }, ...q.choices].map(c =>
      h('vscode-option', { value: c.value, selected: c.value === current }, c.label));
    // FAST's select picks the first option whose value equals its own, so its value must be set
    // too: with only `selected` on an option, the empty "—" option wins.
    const dropdown = h('vscode-dropdown', { 'data-answer': q.fact, 'data-key': `answer:${q.fact}`, 'aria-label': q.prompt, value: current }, ...options);
    dropdown.addEventListener('change', () => send((dropdown as HTMLElement & { value: string }).value));
    control = dropdown;
  } else {
    const field = h('vscode-text-field', {
      'data-answer': q.fact, 'data-key': `answer:${q.fact}`, 'aria-label': q.prompt,
      placeholder: q.placeholder ?? '', value: current,
    }) as HTMLElement & { value: string };
    field.addEventListener('keydown', ev => {
      if ((ev as KeyboardEvent).key === 'Enter') send(field.value);
    });
    control = h('span', { class: 'ask-field' }, field,
      button('Apply', { appearance: 'secondary', 'data-key': `apply:${q.fact}` }, () => send(field.value)));
  }
  return h('div', { class: 'ev-row ask' },
    h('span', { class: 'ev-label' }, 'Answer by hand'),
    h('span', { class: 'ask-prompt' }, q.prompt),
    control,
    current ? h('span', { class: 'answered' }, `Your answer: ${q.choices?.find(c => c.value === current)?.label ?? current}`) : h('span', { class: 'muted small' }, 'not answered'));
}

// ── 4. Timeline ───────────────────────────────────────────────────────────────────────────────

function renderTimeline(a: PhaseTimelineAttachment): Child[] {
  const t = a.timeline;
  const pods = podsOf(t);
  const ticks = Math.round(t.spanMs / 1000 / t.periodSeconds);
  return [
    rayleighLine(a),
    h('div', { class: 'legend' },
      ...pods.map(p => h('span', { class: 'legend-item' }, h('span', { class: `swatch ${podClass(pods, p)}`, 'aria-hidden': 'true' }), p ?? 'pod unknown')),
      t.events.some(e => e.kind !== 'EOF') ? h('span', { class: 'legend-item' }, h('span', { class: 'swatch hollow', 'aria-hidden': 'true' }), 'unexpected EOF (truncated state.json)') : null),
    h('div', { class: 'charts' },
      figure('strip', chartBox('strip', drawTimelineStrip(t, a)),
        `When: each mark is one of the ${a.events}, one lane per pod; 0 is the first event${t.start ? `, at ${t.start}` : ''}. `,
        ticks * 6 > 800 ? `The period of ${a.period} is ${seconds(t.periodSeconds)} — about ${count(ticks, 'tick')} in ${duration(t.spanMs)}, too dense to draw here; the two charts below fold time by the period.` : `Faint lines are the ticks of ${a.period}, every ${seconds(t.periodSeconds)}.`),
      figure('scatter', chartBox('scatter', drawPhaseScatter(t, a)),
        `Phase against time: where in the ${seconds(t.periodSeconds)} period of ${a.period} each event fell. Events it causes form a horizontal line.`),
      figure('histogram', chartBox('histogram', drawPhaseHistogram(t)),
        `Phase histogram: events per ${seconds(t.histogram.length ? t.periodSeconds / t.histogram.length : t.periodSeconds)} of the period.`)),
  ];
}

function figure(area: string, chart: HTMLElement, ...caption: Child[]): HTMLElement {
  return h('figure', { class: `figure figure-${area}` }, chart, h('figcaption', {}, ...caption));
}

function rayleighLine(a: PhaseTimelineAttachment): HTMLElement {
  const t: Timeline = a.timeline;
  const r = t.rayleigh;
  if (r === null) return h('p', { class: 'finding muted' }, `${count(t.events.length, 'event')}: too few to test whether they align.`);
  const stats = `R̄ ${r.meanResultant.toFixed(2)}, ${pValue(r.p)}`;
  const [glyph, words] = r.p < 0.01
    ? ['check', `their phases concentrate (${stats}): they fall at the same point of every ${seconds(t.periodSeconds)} period of ${a.period}.`] as const
    : r.p < 0.05
      ? ['question', `their phases concentrate weakly (${stats}).`] as const
      : ['cross', `their phases look uniform (${stats}): no sign of the ${seconds(t.periodSeconds)} period of ${a.period}.`] as const;
  return h('p', { class: `finding finding-${glyph}` }, icon(glyph), h('span', {}, h('strong', {}, `${count(r.n, 'event')} (${a.events}); `), words));
}

// ── 5. Which cause: the differential ──────────────────────────────────────────────────────────

function renderDifferential(state: PanelState, view: View): Child[] {
  const d = state.diagnosis;
  if (d.ranked.length === 0) return [h('p', { class: 'lead' }, 'No runtime exec errors to explain, so no causes to weigh.')];
  const { shown, rest } = listed(d.ranked);
  const leader = d.ranked[0]!;
  const outside = d.ranked.find(r => d.causes[r.cause]?.outside);
  const documented = d.ranked.length - (outside ? 1 : 0);
  return [
    renderGroupCauses(d),
    h('p', { class: 'lead' },
      `${count(documented, 'documented cause')}${outside ? ` and ${causeTitle(outside.cause, d)}` : ''} weighed on the evidence${d.explained.length > 1 ? `, for the failures ${causeTitle(d.verdict.cause, d)} explains` : ''}. `,
      d.verdict.cause === 'unknown'
        ? `No single cause stands out yet: ${causeTitle(leader.cause, d)} leads with ${probability(leader.posterior)}.`
        : `${causeTitle(leader.cause, d)} leads with ${probability(leader.posterior)}.`,
      d.verdict.settled ? ` You settled on ${causeTitle(d.verdict.cause, d)}.` : ''),
    d.question ? renderQuestion(d.question, d, state.answers, view) : null,
    h('ol', { class: 'differential', id: 'differential', 'data-listed': shown.length }, ...shown.map(r => causeItem(r, d, state, view))),
    rest.length ? h('p', { class: 'muted small' }, `Below 1%: ${rest.map(r => causeTitle(r.cause, d)).join('; ')}.`) : null,
  ];
}

/** When the groups settle on different causes: each cause, the groups it explains, and the evidence its largest group was weighed on. */
function renderGroupCauses(d: Diagnosis): HTMLElement | null {
  if (d.explained.length < 2) return null;
  const byId = new Map(d.groups.map(g => [g.id, g]));
  const place = (g: DiagnosisGroup) => [g.node, g.pod ?? g.container].filter(Boolean).join(' · ') || g.family;
  return h('div', { class: 'block group-causes', id: 'group-causes' },
    h('h3', {}, `${count(d.explained.length, 'cause')} at once`),
    ...d.explained.map(span => {
      const groups = span.groups.map(id => byId.get(id)!).filter(Boolean);
      const first = groups[0];
      return h('div', { class: 'group-cause', 'data-cause': span.cause },
        h('div', { class: 'cause-head' },
          h('span', { class: 'hyp-name' }, causeTitle(span.cause, d)),
          h('span', { class: 'muted small' }, ` ${count(span.count, 'failure')} in ${count(groups.length, 'group')}`)),
        h('ul', { class: 'group-list' }, ...groups.slice(0, 8).map(g => h('li', { 'data-group': g.id },
          `${place(g)}: ${g.count} × ${g.innermost && g.signature === 'runtime-error' ? `${[g.innermost.operation, g.innermost.object].filter(Boolean).join(' ')}: ${g.innermost.errno ?? g.innermost.text}` : g.signature} (${percent(g.verdict.confidence)})`)),
          groups.length > 8 ? h('li', { class: 'muted' }, `… ${groups.length - 8} more`) : null),
        first && (first.for.length || first.against.length) ? h('ul', { class: 'contributions' },
          ...first.for.slice(0, 4).map(c => contributionLine(c, '+')),
          ...first.against.slice(0, 3).map(c => contributionLine(c, '−'))) : null);
    }));
}

function renderQuestion(q: NextQuestion, d: Diagnosis, answers: UserFacts, view: View): HTMLElement {
  const fact = `observation:${q.observation}` as const;
  const current = answerOf(answers, fact);
  const answer = (value: 'yes' | 'no') => () => view.post({ type: 'answer', fact, value });
  return h('div', { class: 'question-card', id: 'question', 'data-observation': q.observation },
    h('div', { class: 'eyebrow' }, 'The question that separates them best'),
    h('p', { class: 'question-prompt' }, q.prompt),
    h('p', { class: 'muted small' },
      `Yes points at ${causeTitle(q.ifYes, d)}; no at ${causeTitle(q.ifNo, d)} (expected gain ${q.gain.toFixed(2)} bits).`),
    q.check ? h('div', { class: 'ev-row' }, h('span', { class: 'ev-label' }, 'On the node'), h('code', { class: 'check' }, q.check), copyButton(q.check, `copy:question`, view)) : null,
    q.collected ? collectedRow(q.collected) : null,
    h('div', { class: 'actions' },
      button(q.yes, { id: 'question-yes', 'data-key': 'question-yes', appearance: current === 'yes' ? 'primary' : 'secondary' }, answer('yes')),
      button(q.no, { id: 'question-no', 'data-key': 'question-no', appearance: current === 'no' ? 'primary' : 'secondary' }, answer('no'))));
}

function contributionLine(c: Contribution, sign: '+' | '−'): HTMLElement {
  const what = c.kind === 'signature' ? `prints “${c.title}”` : c.holds ? c.title : `not: ${c.title}`;
  const ratio = c.lr >= 10 || c.lr < 0.1 ? c.lr.toPrecision(2) : c.lr.toFixed(2);
  return h('li', { class: sign === '+' ? 'for' : 'against', title: c.why }, h('span', { class: 'sign', 'aria-hidden': 'true' }, sign), ` ${what} `, h('span', { class: 'lr' }, `×${ratio}`));
}

function causeItem(r: RankedCause, d: Diagnosis, state: PanelState, view: View): HTMLElement {
  const info = d.causes[r.cause];
  const settled = state.answers.settledCause === r.cause;
  const bar = h('span', { class: 'hyp-fill' });
  bar.style.width = probability(r.posterior);
  return h('li', { class: `cause${settled ? ' settled' : ''}`, 'data-cause': r.cause, 'data-posterior': String(r.posterior) },
    h('div', { class: 'cause-head' },
      h('span', { class: 'hyp-name' }, causeTitle(r.cause, d)),
      h('span', { class: 'hyp-bar', 'aria-hidden': 'true' }, bar),
      h('span', { class: 'hyp-value', title: 'probability given the evidence' }, probability(r.posterior))),
    info ? h('p', { class: 'detail' }, info.summary) : null,
    r.for.length || r.against.length ? h('ul', { class: 'contributions' },
      ...r.for.slice(0, 4).map(c => contributionLine(c, '+')),
      ...r.against.slice(0, 3).map(c => contributionLine(c, '−'))) : null,
    info?.confirm ? confirmBlock(info, state, view) : null,
    h('div', { class: 'actions' },
      settled
        ? button('Settled — undo', { appearance: 'secondary', 'data-key': `unsettle:${r.cause}` }, () => view.post({ type: 'settle', cause: null }))
        : button('Settle on this cause', { appearance: 'secondary', 'data-key': `settle:${r.cause}` }, () => view.post({ type: 'settle', cause: r.cause })),
      info ? h('span', { class: 'muted small' }, info.references.map(ref => `${ref.repo}#${ref.number}`).join(' · ')) : null));
}

/** "Confirm on the node": the lab command to copy, and a way to enter what it printed. */
function confirmBlock(info: CauseInfo, state: PanelState, view: View): HTMLElement {
  const scenario = info.confirm!.scenario;
  const answer = info.confirm!.observation ? state.answers.observations?.[info.confirm!.observation] : undefined;
  const result = typeof answer === 'object' && answer !== null ? answer : undefined;
  const attempts = h('vscode-text-field', { size: 6, 'aria-label': 'attempts', placeholder: '300', 'data-key': `attempts:${scenario}` }) as HTMLElement & { value: string };
  const failures = h('vscode-text-field', { size: 6, 'aria-label': 'failures', placeholder: '0', 'data-key': `failures:${scenario}` }) as HTMLElement & { value: string };
  const submit = () => {
    const n = Number(attempts.value.trim());
    const k = Number(failures.value.trim() || '0');
    if (Number.isInteger(n) && Number.isInteger(k) && n >= 1 && k >= 0 && k <= n) view.post({ type: 'reproduced', scenario, attempts: n, failures: k });
  };
  return h('div', { class: 'confirm', 'data-scenario': scenario },
    h('div', { class: 'ev-label' }, 'Confirm on the node'),
    h('div', { class: 'ev-row' }, h('code', { class: 'check' }, info.confirm!.command), copyButton(info.confirm!.command, `copy:confirm:${scenario}`, view)),
    result
      ? h('div', { class: 'ev-row answered' },
        `${result.failures} of ${result.attempts} attempts failed (${result.source === 'measured' ? 'measured on this machine' : 'entered by you'}) `,
        h('button', { type: 'button', class: 'link', 'data-key': `clear:${scenario}`, onclick: () => view.post({ type: 'clearReproduced', scenario }) }, 'clear'))
      : h('div', { class: 'ev-row confirm-entry' },
        h('span', { class: 'ev-label' }, 'Its result'), attempts, h('span', {}, 'attempts,'), failures, h('span', {}, 'failed'),
        button('Apply', { appearance: 'secondary', 'data-key': `apply-reproduced:${scenario}` }, submit)));
}

// ── 6. Verdict and fix ────────────────────────────────────────────────────────────────────────

function renderVerdict(state: PanelState): Child[] {
  const d = state.diagnosis;
  const v = d.verdict;
  const head = headline(d);
  const level = v.settled ? 'settled' : v.cause === 'unknown' ? 'low' : v.confidence >= 0.8 ? 'high' : v.confidence >= 0.5 ? 'medium' : 'low';
  const fill = h('div', { class: 'meter-fill' });
  fill.style.width = probability(head.value ?? 0);
  // The whole ranking, with its evidence, is step 5's; the verdict recalls the three leaders.
  const hypotheses = [...d.hypotheses].sort((a, b) => b.confidence - a.confidence).slice(0, 3);
  return [
    h('div', { class: `verdict-card level-${level}` },
      h('div', { class: 'verdict-main' },
        h('div', { class: 'eyebrow' }, v.settled ? 'Settled by hand' : v.cause === 'none' || v.cause === 'unknown' ? 'Result' : 'Most likely cause'),
        h('div', { id: 'verdict-cause', 'data-cause': v.cause, role: 'heading', 'aria-level': 3 }, causeTitle(v.cause, d)),
        h('p', { class: 'summary' }, v.summary)),
      head.value === null ? null : h('div', { class: 'verdict-confidence' },
        h('div', { id: 'verdict-confidence' }, probability(head.value)),
        h('div', {
          class: 'meter', role: 'meter', 'aria-label': head.label,
          'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(Math.min(0.97, head.value) * 100),
        }, fill),
        h('div', { class: 'muted small', id: 'verdict-confidence-label' }, head.caption))),
    hypotheses.length ? h('div', { class: 'block' },
      h('h3', {}, 'Leading hypotheses'),
      h('ol', { class: 'hypotheses' }, ...hypotheses.map(hy => {
        const bar = h('span', { class: 'hyp-fill' });
        bar.style.width = percent(hy.confidence);
        return h('li', { class: hy.cause === v.cause ? 'top' : '' },
          h('span', { class: 'hyp-name' }, causeTitle(hy.cause, d)),
          h('span', { class: 'hyp-bar', 'aria-hidden': 'true' }, bar),
          h('span', { class: 'hyp-value' }, probability(hy.confidence)));
      }))) : null,
    d.fixes.length ? h('div', { class: 'block', id: 'fixes', 'data-cause': d.fixesFor ?? '' },
      h('h3', {}, `${d.fixes.length === 1 ? 'Fix' : 'Fixes'} for ${causeTitle(d.fixesFor ?? v.cause, d)}`,
        v.settled && v.cause === d.fixesFor ? ' (the cause you settled on)' : v.cause === 'unknown' ? ' (the leading cause, if it is that one)' : ''),
      h('ol', { class: 'fixes' }, ...d.fixes.map(f => h('li', { class: 'fix' },
        h('h4', {}, f.title),
        h('p', { class: 'how' }, f.how),
        h('p', { class: 'tradeoffs' }, h('strong', {}, 'Trade-offs: '), f.tradeoffs))))) : null,
  ];
}

/** What the user's sources say about one function, and whether that is the node's evidence (weighed) or only theirs. */
function renderSourceCheck(a: SourceCheckAttachment, key: string, view: View): HTMLElement {
  const glyph = a.holds === true ? 'check' : a.holds === false ? 'cross' : 'question';
  return h('div', { class: `block savestate source-check${a.weighed ? ' weighed' : ' not-weighed'}`, 'data-weighed': String(a.weighed) },
    h('h3', {}, `${a.subject} in your ${a.program} sources${a.sourcesVersion ? ` (${a.sourcesVersion})` : ''}`),
    h('div', { class: 'savestate-card' },
      h('div', { class: 'ev-head' },
        h('span', { class: `chip chip-${glyph}` }, icon(glyph), h('span', {}, a.reading)),
        a.file && a.line ? fileLink(view, `source-check:${key}`, a.file, a.line) : null),
      h('p', { class: 'detail source-why' }, `${a.why[0]!.toUpperCase()}${a.why.slice(1)}.`)));
}

// ── 7. Report ─────────────────────────────────────────────────────────────────────────────────

function renderReport(state: PanelState, view: View): Child[] {
  const details = h('details', { class: 'report-preview', open: view.reportOpen },
    h('summary', { 'data-key': 'report-preview' }, 'Preview the report'),
    h('pre', {}, state.report));
  details.addEventListener('toggle', () => view.setReportOpen(details.open));
  return [
    h('p', { class: 'lead' }, 'The same findings as Markdown, ready for the incident ticket.'),
    h('div', { class: 'actions' },
      button('Copy as Markdown', { id: 'copy-report', 'data-key': 'copy-report' }, () => view.post({ type: 'copyReport' })),
      button('Save report…', { id: 'save-report', appearance: 'secondary', 'data-key': 'save-report' }, () => view.post({ type: 'saveReport' }))),
    details,
  ];
}
