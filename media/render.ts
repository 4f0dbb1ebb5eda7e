/**
 * The six steps of the diagnosis page, one render function each, all pure functions of the state.
 * Actions only post messages; the host answers with a new state and the page is rendered again.
 */
import { listed, probability, sizesShown } from '../src/core/diagnosis/numbers';
import { PANEL_GROUPS_PER_CAUSE, type PanelHop, type PanelState, type SymptomTotals, type WebviewMessage } from '../src/core/diagnosis/protocol';
import type { Attachment, CauseInfo, Cluster, Contribution, Diagnosis, DiagnosisGroup, Evidence, NextQuestion, PhaseTimelineAttachment, Question, RankedCause, SourceCheckAttachment, Timeline, UserFacts } from '../src/core/diagnosis/types';
import { chartBox, drawPhaseHistogram, drawPhaseScatter, drawTimelineStrip, podClass, podsOf } from './chart';
import { type Child, h, icon } from './dom';
import { k, t } from './l10n';
import { baseName, causeTitle, count, duration, headlineWords, holdsLabel, pValue, percent, seconds, shortTime, sourceLabel } from './format';

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
  const timelines = attachmentsOf(d, 'phase-timeline').filter(x => x.attachment.timeline.events.length > 0);
  const steps: [string, string, Child[]][] = [
    ['symptom', t('Symptom'), renderSymptom(state, view)],
    ['chain', t('Where it comes from'), renderChain(state, view)],
    ['evidence', t('Evidence'), renderEvidence(d, state.answers, view)],
    ...timelines.map((x, i): [string, string, Child[]] => [i === 0 ? 'timeline' : `timeline-${i + 1}`, t('Timeline'), renderTimeline(x.attachment)]),
    ['differential', t('Which cause'), renderDifferential(state, view)],
    ['verdict', t('Verdict and fix'), renderVerdict(state)],
    ['report', t('Report'), renderReport(state, view)],
  ];
  return [renderHeader(state), ...steps.map(([id, title, body], i) => step(id, i + 1, title, body))];
}

function step(id: string, n: number, title: string, body: Child[]): HTMLElement {
  return h('section', { id, class: 'step', 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title`, tabindex: -1 },
      h('span', { class: 'step-no' }, h('span', { class: 'sr-only' }, t('Step ')), n, h('span', { class: 'sr-only' }, ': ')),
      h('span', { class: 'step-title' }, title)),
    ...body);
}

/** Opening a file is an action for the host, not navigation: a button, so VS Code's link handling stays out of it. */
function fileLink(view: View, key: string, file: string, line: number, label = `${baseName(file)}:${line}`): HTMLElement {
  return h('button', {
    type: 'button', class: 'link file-link', title: `${file}:${line}`, 'aria-label': t('Open {0} at line {1}', file, line),
    'data-key': `open:${key}`,
    onclick: () => view.post({ type: 'open', file, line }),
  }, label);
}

function button(label: string, attrs: Record<string, string>, onclick: () => void): HTMLElement {
  return h('vscode-button', { ...attrs, onclick }, label);
}

/** "1,165 lines", "260,000 events", or both (`sizesShown`). */
function readAmount(inputs: Diagnosis['inputs']): string {
  const shown = sizesShown(inputs);
  return [shown.lines ? count(inputs.lines, 'line') : null, shown.events ? count(inputs.events, 'event') : null].filter((s) => s !== null).join(' · ');
}

function renderHeader(state: PanelState): HTMLElement {
  const d = state.diagnosis;
  return h('header', { class: 'page-head' },
    h('div', { class: 'eyebrow' }, t('Runtime Lens · diagnosis')),
    h('h1', {}, state.subject),
    h('div', { class: 'meta' },
      h('span', {}, t('{0} · {1} read', count(d.inputs.files, 'file'), readAmount(d.inputs))),
      h('span', { class: 'sep', 'aria-hidden': 'true' }, '·'),
      h('span', { class: 'glance' }, headlineWords(d).line),
      h('button', {
        type: 'button', class: 'link', 'data-key': 'goto-verdict',
        onclick: () => {
          const heading = document.getElementById('verdict-title');
          heading?.scrollIntoView({ behavior: 'smooth', block: 'start' });
          heading?.focus({ preventScroll: true });
        },
      }, t('Go to the verdict'))),
    d.clock ? h('p', { class: 'note clock' }, icon('clock'), h('span', {}, h('strong', {}, t('Clock: ')), d.clock)) : null,
    // Sources traced after the panel opened change the verdict only when they are the node's: say which, up front.
    ...attachmentsOf(d, 'source-check').map(({ attachment: a }) => h('p', { class: 'note sources', 'data-weighed': String(a.weighed) }, icon(a.weighed ? 'check' : 'question'),
      h('span', {}, h('strong', {}, t('Your {0} sources: ', a.program)), a.weighed ? t('{0}; their {1} is weighed in this verdict.', a.why, a.subject) : `${a.why}.`))),
  );
}

// ── 1. Symptom ────────────────────────────────────────────────────────────────────────────────

function renderSymptom(state: PanelState, view: View): Child[] {
  const { count: total, pods, signatures: perSignature } = state.symptom;
  if (perSignature.length === 0) {
    return [h('p', { class: 'lead' }, t('No known runtime error signatures in {0}.', state.subject)), renderPaste(state, view)];
  }
  const signatures = perSignature.length;
  // The host sends each signature's largest rows (panelDiagnosis); the rest of a signature is one row with their sum.
  const rows = perSignature.flatMap(s => {
    const listed = state.diagnosis.clusters.filter(c => c.signature === s.signature);
    const rest = s.count - listed.reduce((n, c) => n + c.count, 0);
    return [...listed.map(clusterRow), ...(s.rows > listed.length ? [moreRow(s, s.rows - listed.length, rest)] : [])];
  });
  // Occurrences, not lines: an event list's item stands for as many as its count, and a compact list is one line.
  return [
    h('p', { class: 'lead' },
      pods > 0
        ? t('Found {0} of {1} in {2}, from {3}.', count(total, 'occurrence'), count(signatures, 'known signature'), state.subject, count(pods, 'pod'))
        : t('Found {0} of {1} in {2}.', count(total, 'occurrence'), count(signatures, 'known signature'), state.subject)),
    renderByNode(state.diagnosis),
    renderFleet(state.diagnosis),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'clusters' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, t('Signature')),
          h('th', { scope: 'col' }, t('Pod / container')),
          h('th', { scope: 'col', class: 'num' }, t('Count')),
          h('th', { scope: 'col' }, t('First seen')),
          h('th', { scope: 'col' }, t('Last seen')),
          h('th', { scope: 'col', class: 'num' }, t('Per hour')))),
        h('tbody', {}, ...rows))),
    renderPaste(state, view),
  ];
}

/**
 * Nodes listed by name at most; the rest in one line, counted by cause. A cluster-wide list can fail on
 * dozens of nodes for one cause, and a line for each pushed the symptom out of sight.
 */
const BY_NODE_ROWS = 12;

/** Several causes at once, or several nodes: what each node's groups settle on — "node-a: the state race (47 × OCI exec EOF)". */
function renderByNode(d: Diagnosis): HTMLElement | null {
  const nodes = new Set(d.byNode.map(n => n.node));
  if (d.explained.length < 2 && nodes.size < 2) return null;
  const rest = d.byNode.slice(BY_NODE_ROWS);
  const causes = new Map<string, number>();
  for (const n of rest) causes.set(n.cause, (causes.get(n.cause) ?? 0) + 1);
  return h('div', { class: 'block by-node', id: 'by-node' },
    h('h3', {}, d.explained.length > 1 ? t('{0} at once, each for its own failures', count(d.explained.length, 'cause')) : t('Causes by node')),
    h('ul', { class: 'by-node-list' }, ...d.byNode.slice(0, BY_NODE_ROWS).map(n => h('li', { 'data-node': n.node ?? '', 'data-cause': n.cause },
      h('strong', {}, n.node ?? t('no node named')), ': ',
      h('span', { class: 'cause-name' }, causeTitle(n.cause, d)),
      ` (${n.errors.join(', ')})`,
      h('span', { class: 'muted small' }, ` · ${percent(n.confidence)}`))),
      rest.length === 0 ? null : h('li', { class: 'more-nodes muted' },
        t('… {0} more nodes: {1}', rest.length.toLocaleString('en-US'), [...causes].map(([cause, n]) => `${causeTitle(cause, d)} (${n.toLocaleString('en-US')})`).join(', ')))));
}

/**
 * Fleet rows laid out at most: the fleet comes most failures first, and the nodes past these are summed
 * in one row. A cluster-wide list names a thousand nodes or more, most of them with no failed exec.
 */
const FLEET_ROWS = 50;

/** Which nodes fail, how often, with which runc, and each node's own leading cause. */
function renderFleet(d: Diagnosis): HTMLElement | null {
  if (d.fleet.length === 0) return null;
  const rest = d.fleet.slice(FLEET_ROWS);
  return h('div', { class: 'block fleet', id: 'fleet' },
    h('h3', {}, t('Fleet: {0}, {1} failing', count(d.fleet.length, 'node'), d.fleet.filter(n => n.failures > 0).length)),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'clusters fleet-table' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, t('Node')),
          h('th', { scope: 'col', class: 'num' }, t('Failures')),
          h('th', { scope: 'col' }, 'runc'),
          h('th', { scope: 'col' }, t('Its leading cause')),
          h('th', { scope: 'col' }, t('Errors')))),
        h('tbody', {}, ...d.fleet.slice(0, FLEET_ROWS).map(n => h('tr', { 'data-node': n.node },
          h('td', { class: 'cell-title' }, n.node),
          h('td', { class: 'num strong' }, n.failures.toLocaleString('en-US')),
          h('td', {}, n.runc ?? h('span', { class: 'muted' }, t('not seen'))),
          h('td', {}, n.cause === 'none' ? causeTitle(n.cause, d)
            : n.cause === 'unknown' && n.leader ? t('{0} — {1} leads with {2}', causeTitle(n.cause, d), causeTitle(n.leader, d), probability(n.confidence))
              : `${causeTitle(n.cause, d)} (${probability(n.confidence)})`),
          h('td', { class: 'cell-sub' }, n.signatures.join(', ')))),
        rest.length === 0 ? null : h('tr', { class: 'more-rows' },
          h('td', { class: 'muted' }, t('… {0} more nodes', rest.length.toLocaleString('en-US'))),
          h('td', { class: 'num strong' }, rest.reduce((n, x) => n + x.failures, 0).toLocaleString('en-US')),
          h('td', {}), h('td', {}), h('td', {}))))));
}

/**
 * Node output the user has at hand (kernel log, memory.events, runc --version, df) goes into the
 * diagnosis by paste. Ctrl+Enter in the box adds it, as the button does.
 */
function renderPaste(state: PanelState, view: View): HTMLElement {
  const area = h('vscode-text-area', {
    id: 'paste', rows: 6, cols: 80, resize: 'vertical', 'data-key': 'paste', 'aria-label': t('Paste node output'),
    placeholder: t('Paste node output: journalctl -k / dmesg, memory.events, pids.*, freezer.state, runc --version, df -h /run /tmp, kubelet -v=4 lines…'),
  }) as HTMLElement & { value: string };
  const add = () => {
    if (area.value.trim()) view.post({ type: 'paste', text: area.value });
  };
  area.addEventListener('keydown', ev => {
    const k = ev as KeyboardEvent;
    if (k.key === 'Enter' && (k.ctrlKey || k.metaKey)) add();
  });
  return h('details', { class: 'block paste', open: state.pasted.length > 0 },
    h('summary', { 'data-key': 'paste-open' }, t('Add node output by pasting it')),
    area,
    h('div', { class: 'actions' }, button(t('Add to the diagnosis'), { id: 'paste-add', appearance: 'secondary', 'data-key': 'paste-add' }, add)),
    state.pasted.length ? h('ul', { class: 'pasted' }, ...state.pasted.map(p => h('li', {},
      t('{0}: {1} ', p.name, count(p.lines, 'line')),
      h('button', { type: 'button', class: 'link', 'data-key': `unpaste:${p.name}`, onclick: () => view.post({ type: 'unpaste', name: p.name }) }, t('remove'))))) : null);
}

function clusterRow(c: Cluster): HTMLElement {
  return h('tr', {},
    h('td', {},
      h('div', { class: 'cell-title' }, c.title),
      h('div', { class: 'cell-sub' }, h('code', {}, c.signature), c.files.length ? ` ${t('in {0}', c.files.map(baseName).join(', '))}` : '')),
    h('td', {},
      c.pod === null ? h('span', { class: 'muted' }, t('not named in the line')) : h('div', { class: 'cell-title pod' }, c.pod),
      c.container === null ? null : h('div', { class: 'cell-sub' }, t('container {0}', c.container))),
    h('td', { class: 'num strong' }, c.count.toLocaleString('en-US')),
    h('td', { class: 'time', title: c.firstSeen ?? '' }, shortTime(c.firstSeen)),
    h('td', { class: 'time', title: c.lastSeen ?? '' }, shortTime(c.lastSeen)),
    h('td', { class: 'num' }, c.perHour === null ? '—' : c.perHour.toFixed(1)));
}

/** The rows of a signature the panel does not list, summed: every occurrence stays counted in the table. */
function moreRow(s: SymptomTotals['signatures'][number], rows: number, occurrences: number): HTMLElement {
  return h('tr', { class: 'more-rows' },
    h('td', {},
      h('div', { class: 'cell-title' }, s.title),
      h('div', { class: 'cell-sub' }, h('code', {}, s.signature))),
    h('td', { class: 'muted' }, t('… {0} more pods or containers', rows.toLocaleString('en-US'))),
    h('td', { class: 'num strong' }, occurrences.toLocaleString('en-US')),
    h('td', {}), h('td', {}), h('td', {}));
}

// ── 2. Where it comes from ────────────────────────────────────────────────────────────────────

const BOUNDARIES: Record<string, string> = { http: 'HTTP', grpc: 'gRPC', exec: 'fork/exec', file: 'file' };

function renderChain(state: PanelState, view: View): Child[] {
  const chain = state.chain;
  if (chain === null) {
    return [
      h('p', { class: 'lead' },
        t('The error travels from runc up through containerd, dockerd and the kubelet before it reaches the probe. '),
        t('Trace the call path to see each hop in your Go sources.')),
      h('div', { class: 'actions' }, button(t('Trace call path'), { id: 'trace', 'data-key': 'trace' }, () => view.post({ type: 'trace' }))),
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
    h('p', { class: 'lead' }, h('strong', {}, chain.title), ` — ${t('{0}, {1} found in your sources.', count(chain.hops.length, 'hop'), resolved)}`),
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
    hop.resolved ? null : h('span', { class: 'hop-note' }, t('not in your sources')));
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
      unknown
        ? t('{0} of {1} checks hold, {2} cannot be told from the input.', holding, list.length, unknown)
        : t('{0} of {1} checks hold.', holding, list.length),
      ' ', t('Each one says where it was seen and how to check it on the node yourself.')),
    h('div', { class: 'evidence-list' }, ...shown.map(e => evidenceItem(e, answers, view))),
    folded.length ? h('details', { class: 'block more-evidence' },
      h('summary', { 'data-key': 'more-evidence' }, t('{0} the input does not show, which would not move the leading causes', count(folded.length, 'more check'))),
      h('div', { class: 'evidence-list' }, ...folded.map(e => evidenceItem(e, answers, view)))) : null,
  ];
}

function evidenceItem(e: Evidence, answers: UserFacts, view: View): HTMLElement {
  const glyph = e.holds === true ? 'check' : e.holds === false ? 'cross' : 'question';
  return h('div', { class: 'evidence-item', 'data-id': e.id, 'data-holds': String(e.holds) },
    h('div', { class: 'ev-head' },
      h('span', { class: `chip chip-${glyph}` }, icon(glyph), h('span', { class: 'status' }, holdsLabel(e.holds))),
      h('h3', { class: 'ev-title' }, k(e.title)),
      h('span', { class: `source source-${e.source}` }, sourceLabel(e.source))),
    h('p', { class: 'detail' }, e.detail),
    ...(e.attachments ?? []).filter((a): a is SourceCheckAttachment => a.kind === 'source-check').map(a => renderSourceCheck(a, e.id, view)),
    e.where ? h('div', { class: 'ev-row' }, h('span', { class: 'ev-label' }, t('Seen at')), fileLink(view, e.id, e.where.file, e.where.line)) : null,
    e.check ? h('div', { class: 'ev-row' },
      h('span', { class: 'ev-label' }, t('Check it yourself')),
      h('code', { class: 'check' }, e.check),
      copyButton(e.check, `copy:${e.id}`, view)) : null,
    e.holds === null && e.collected ? collectedRow(e.collected) : null,
    e.ask ? askRow(e.ask, answers, view) : null);
}

/** Which files of a collected bundle (`runtime-lens collect`) would answer an open observation. */
function collectedRow(files: string[]): HTMLElement {
  return h('div', { class: 'ev-row collected' },
    h('span', { class: 'ev-label' }, t('In a bundle')),
    h('span', {}, ...files.flatMap((f, i) => [i ? ', ' : '', h('code', {}, f)]),
      files.length > 1 ? t(' answer this; “Runtime Lens: Collect from a Node…” gathers them') : t(' answers this; “Runtime Lens: Collect from a Node…” gathers it')));
}

function copyButton(text: string, key: string, view: View): HTMLElement {
  const b = button(t('Copy'), { class: 'copy', appearance: 'secondary', 'data-key': key, 'aria-label': t('Copy: {0}', text) }, () => {
    view.post({ type: 'copy', text });
    b.textContent = t('Copied');
    setTimeout(() => (b.textContent = t('Copy')), 1500);
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
      h('vscode-option', { value: c.value, selected: c.value === current }, k(c.label)));
    // FAST's select picks the first option whose value equals its own, so its value must be set
    // too: with only `selected` on an option, the empty "—" option wins.
    const dropdown = h('vscode-dropdown', { 'data-answer': q.fact, 'data-key': `answer:${q.fact}`, 'aria-label': k(q.prompt), value: current }, ...options);
    dropdown.addEventListener('change', () => send((dropdown as HTMLElement & { value: string }).value));
    control = dropdown;
  } else {
    const field = h('vscode-text-field', {
      'data-answer': q.fact, 'data-key': `answer:${q.fact}`, 'aria-label': k(q.prompt),
      placeholder: q.placeholder ?? '', value: current,
    }) as HTMLElement & { value: string };
    field.addEventListener('keydown', ev => {
      if ((ev as KeyboardEvent).key === 'Enter') send(field.value);
    });
    control = h('span', { class: 'ask-field' }, field,
      button(t('Apply'), { appearance: 'secondary', 'data-key': `apply:${q.fact}` }, () => send(field.value)));
  }
  return h('div', { class: 'ev-row ask' },
    h('span', { class: 'ev-label' }, t('Answer by hand')),
    h('span', { class: 'ask-prompt' }, k(q.prompt)),
    control,
    current ? h('span', { class: 'answered' }, t('Your answer: {0}', k(q.choices?.find(c => c.value === current)?.label ?? current))) : h('span', { class: 'muted small' }, t('not answered')));
}

// ── 4. Timeline ───────────────────────────────────────────────────────────────────────────────

function renderTimeline(a: PhaseTimelineAttachment): Child[] {
  const tl = a.timeline;
  const pods = podsOf(tl);
  const ticks = Math.round(tl.spanMs / 1000 / tl.periodSeconds);
  return [
    rayleighLine(a),
    h('div', { class: 'legend' },
      ...pods.map(p => h('span', { class: 'legend-item' }, h('span', { class: `swatch ${podClass(pods, p)}`, 'aria-hidden': 'true' }), p ?? t('pod unknown'))),
      tl.events.some(e => e.kind !== 'EOF') ? h('span', { class: 'legend-item' }, h('span', { class: 'swatch hollow', 'aria-hidden': 'true' }), t('unexpected EOF (truncated state.json)')) : null),
    h('div', { class: 'charts' },
      figure('strip', chartBox('strip', drawTimelineStrip(tl, a)),
        tl.start ? t('When: each mark is one of the {0}, one lane per pod; 0 is the first event, at {1}. ', k(a.events), tl.start) : t('When: each mark is one of the {0}, one lane per pod; 0 is the first event. ', k(a.events)),
        ticks * 6 > 800 ? t('The period of {0} is {1} — about {2} in {3}, too dense to draw here; the two charts below fold time by the period.', k(a.period), seconds(tl.periodSeconds), count(ticks, 'tick'), duration(tl.spanMs)) : t('Faint lines are the ticks of {0}, every {1}.', k(a.period), seconds(tl.periodSeconds))),
      figure('scatter', chartBox('scatter', drawPhaseScatter(tl, a)),
        t('Phase against time: where in the {0} period of {1} each event fell. Events it causes form a horizontal line.', seconds(tl.periodSeconds), k(a.period))),
      figure('histogram', chartBox('histogram', drawPhaseHistogram(tl)),
        t('Phase histogram: events per {0} of the period.', seconds(tl.histogram.length ? tl.periodSeconds / tl.histogram.length : tl.periodSeconds)))),
  ];
}

function figure(area: string, chart: HTMLElement, ...caption: Child[]): HTMLElement {
  return h('figure', { class: `figure figure-${area}` }, chart, h('figcaption', {}, ...caption));
}

function rayleighLine(a: PhaseTimelineAttachment): HTMLElement {
  const tl: Timeline = a.timeline;
  const r = tl.rayleigh;
  if (r === null) return h('p', { class: 'finding muted' }, t('{0}: too few to test whether they align.', count(tl.events.length, 'event')));
  const stats = `R̄ ${r.meanResultant.toFixed(2)}, ${pValue(r.p)}`;
  const [glyph, words] = r.p < 0.01
    ? ['check', t('their phases concentrate ({0}): they fall at the same point of every {1} period of {2}.', stats, seconds(tl.periodSeconds), k(a.period))] as const
    : r.p < 0.05
      ? ['question', t('their phases concentrate weakly ({0}).', stats)] as const
      : ['cross', t('their phases look uniform ({0}): no sign of the {1} period of {2}.', stats, seconds(tl.periodSeconds), k(a.period))] as const;
  return h('p', { class: `finding finding-${glyph}` }, icon(glyph), h('span', {}, h('strong', {}, t('{0} ({1}); ', count(r.n, 'event'), k(a.events))), words));
}

// ── 5. Which cause: the differential ──────────────────────────────────────────────────────────

function renderDifferential(state: PanelState, view: View): Child[] {
  const d = state.diagnosis;
  if (d.ranked.length === 0) return [h('p', { class: 'lead' }, t('No runtime exec errors to explain, so no causes to weigh.'))];
  const { shown, rest } = listed(d.ranked);
  const leader = d.ranked[0]!;
  const outside = d.ranked.find(r => d.causes[r.cause]?.outside);
  const documented = d.ranked.length - (outside ? 1 : 0);
  const explains = d.explained.length > 1 ? t(', for the failures {0} explains', causeTitle(d.verdict.cause, d)) : '';
  return [
    renderGroupCauses(d),
    h('p', { class: 'lead' },
      outside
        ? t('{0} and {1} weighed on the evidence{2}. ', count(documented, 'documented cause'), causeTitle(outside.cause, d), explains)
        : t('{0} weighed on the evidence{1}. ', count(documented, 'documented cause'), explains),
      d.verdict.cause === 'unknown'
        ? t('No single cause stands out yet: {0} leads with {1}.', causeTitle(leader.cause, d), probability(leader.posterior))
        : t('{0} leads with {1}.', causeTitle(leader.cause, d), probability(leader.posterior)),
      d.verdict.settled ? t(' You settled on {0}.', causeTitle(d.verdict.cause, d)) : ''),
    d.question ? renderQuestion(d.question, d, state.answers, view) : null,
    h('ol', { class: 'differential', id: 'differential', 'data-listed': shown.length }, ...shown.map(r => causeItem(r, d, state, view))),
    rest.length ? h('p', { class: 'muted small' }, t('Below 1%: {0}.', rest.map(r => causeTitle(r.cause, d)).join('; '))) : null,
  ];
}

/** When the groups settle on different causes: each cause, the groups it explains, and the evidence its largest group was weighed on. */
function renderGroupCauses(d: Diagnosis): HTMLElement | null {
  if (d.explained.length < 2) return null;
  const byId = new Map(d.groups.map(g => [g.id, g]));
  const place = (g: DiagnosisGroup) => [g.node, g.pod ?? g.container].filter(Boolean).join(' · ') || g.family;
  return h('div', { class: 'block group-causes', id: 'group-causes' },
    h('h3', {}, t('{0} at once', count(d.explained.length, 'cause'))),
    ...d.explained.map(span => {
      // The host sends the groups listed here (panelDiagnosis); the span names them all.
      const groups = span.groups.slice(0, PANEL_GROUPS_PER_CAUSE).map(id => byId.get(id)!).filter(Boolean);
      const first = groups[0];
      return h('div', { class: 'group-cause', 'data-cause': span.cause },
        h('div', { class: 'cause-head' },
          h('span', { class: 'hyp-name' }, causeTitle(span.cause, d)),
          h('span', { class: 'muted small' }, ` ${t('{0} failures in {1}', span.count.toLocaleString('en-US'), count(span.groups.length, 'group'))}`)),
        h('ul', { class: 'group-list' }, ...groups.map(g => h('li', { 'data-group': g.id },
          `${place(g)}: ${g.count} × ${g.innermost && g.signature === 'runtime-error' ? `${[g.innermost.operation, g.innermost.object].filter(Boolean).join(' ')}: ${g.innermost.errno ?? g.innermost.text}` : g.signature} (${percent(g.verdict.confidence)})`)),
          span.groups.length > PANEL_GROUPS_PER_CAUSE ? h('li', { class: 'muted' }, t('… {0} more', span.groups.length - PANEL_GROUPS_PER_CAUSE)) : null),
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
    h('div', { class: 'eyebrow' }, t('The question that separates them best')),
    h('p', { class: 'question-prompt' }, k(q.prompt)),
    h('p', { class: 'muted small' },
      t('Yes points at {0}; no at {1} (expected gain {2} bits).', causeTitle(q.ifYes, d), causeTitle(q.ifNo, d), q.gain.toFixed(2))),
    q.check ? h('div', { class: 'ev-row' }, h('span', { class: 'ev-label' }, t('On the node')), h('code', { class: 'check' }, q.check), copyButton(q.check, `copy:question`, view)) : null,
    q.collected ? collectedRow(q.collected) : null,
    h('div', { class: 'actions' },
      button(k(q.yes), { id: 'question-yes', 'data-key': 'question-yes', appearance: current === 'yes' ? 'primary' : 'secondary' }, answer('yes')),
      button(k(q.no), { id: 'question-no', 'data-key': 'question-no', appearance: current === 'no' ? 'primary' : 'secondary' }, answer('no'))));
}

function contributionLine(c: Contribution, sign: '+' | '−'): HTMLElement {
  const what = c.kind === 'signature' ? t('prints “{0}”', c.title) : c.holds ? k(c.title) : t('not: {0}', k(c.title));
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
      h('span', { class: 'hyp-value', title: t('probability given the evidence') }, probability(r.posterior))),
    info ? h('p', { class: 'detail' }, k(info.summary)) : null,
    r.for.length || r.against.length ? h('ul', { class: 'contributions' },
      ...r.for.slice(0, 4).map(c => contributionLine(c, '+')),
      ...r.against.slice(0, 3).map(c => contributionLine(c, '−'))) : null,
    info?.confirm ? confirmBlock(info, state, view) : null,
    h('div', { class: 'actions' },
      settled
        ? button(t('Settled — undo'), { appearance: 'secondary', 'data-key': `unsettle:${r.cause}` }, () => view.post({ type: 'settle', cause: null }))
        : button(t('Settle on this cause'), { appearance: 'secondary', 'data-key': `settle:${r.cause}` }, () => view.post({ type: 'settle', cause: r.cause })),
      info ? h('span', { class: 'muted small' }, info.references.map(ref => `${ref.repo}#${ref.number}`).join(' · ')) : null));
}

/**
 * "Confirm on the node": the lab command for a node with Runtime Lens, the same steps as a shell
 * script for a node without it (nodes rarely have node.js), and a way to enter what it printed. The
 * attempts field starts at the command's own count, so the result entered matches the run.
 */
function confirmBlock(info: CauseInfo, state: PanelState, view: View): HTMLElement {
  const scenario = info.confirm!.scenario;
  const command = info.confirm!.command;
  const planned = /--attempts (\d+)/.exec(command)?.[1] ?? '';
  const answer = info.confirm!.observation ? state.answers.observations?.[info.confirm!.observation] : undefined;
  const result = typeof answer === 'object' && answer !== null ? answer : undefined;
  const attempts = h('vscode-text-field', { size: 6, 'aria-label': t('attempts'), value: planned, 'data-key': `attempts:${scenario}` }) as HTMLElement & { value: string };
  const failures = h('vscode-text-field', { size: 6, 'aria-label': t('failures'), placeholder: '0', 'data-key': `failures:${scenario}` }) as HTMLElement & { value: string };
  const submit = () => {
    const n = Number(attempts.value.trim());
    const k = Number(failures.value.trim() || '0');
    if (Number.isInteger(n) && Number.isInteger(k) && n >= 1 && k >= 0 && k <= n) view.post({ type: 'reproduced', scenario, attempts: n, failures: k });
  };
  return h('div', { class: 'confirm', 'data-scenario': scenario },
    h('div', { class: 'ev-label' }, t('Confirm on the node')),
    h('div', { class: 'ev-row' }, h('span', { class: 'ev-label' }, t('With Runtime Lens there')), h('code', { class: 'check' }, command), copyButton(command, `copy:confirm:${scenario}`, view)),
    h('div', { class: 'ev-row' }, h('span', { class: 'ev-label' }, t('Without it')),
      h('span', { class: 'muted small' }, t('the same steps as shell commands, to run as root with sh')),
      button(t('Show the script'), { appearance: 'secondary', 'data-key': `script:${scenario}`, id: `script-${scenario}` },
        () => view.post({ type: 'reproduceScript', scenario, attempts: Number(planned) || 1 }))),
    result
      ? h('div', { class: 'ev-row answered' },
        t('{0} of {1} attempts failed ({2}) ', result.failures, result.attempts, result.source === 'measured' ? t('measured on this machine') : t('entered by you')),
        h('button', { type: 'button', class: 'link', 'data-key': `clear:${scenario}`, onclick: () => view.post({ type: 'clearReproduced', scenario }) }, t('clear')))
      : h('div', { class: 'ev-row confirm-entry' },
        h('span', { class: 'ev-label' }, t('Its result')), attempts, h('span', {}, t('attempts,')), failures, h('span', {}, t('failed')),
        button(t('Apply'), { appearance: 'secondary', 'data-key': `apply-reproduced:${scenario}` }, submit)));
}

// ── 6. Verdict and fix ────────────────────────────────────────────────────────────────────────

function renderVerdict(state: PanelState): Child[] {
  const d = state.diagnosis;
  const v = d.verdict;
  const head = headlineWords(d);
  const level = v.settled ? 'settled' : v.cause === 'unknown' ? 'low' : v.confidence >= 0.8 ? 'high' : v.confidence >= 0.5 ? 'medium' : 'low';
  const fill = h('div', { class: 'meter-fill' });
  fill.style.width = probability(head.value ?? 0);
  // The whole ranking, with its evidence, is step 5's; the verdict recalls the three leaders.
  const hypotheses = [...d.hypotheses].sort((a, b) => b.confidence - a.confidence).slice(0, 3);
  return [
    h('div', { class: `verdict-card level-${level}` },
      h('div', { class: 'verdict-main' },
        h('div', { class: 'eyebrow' }, v.settled ? t('Settled by hand') : v.cause === 'none' || v.cause === 'unknown' ? t('Result') : t('Most likely cause')),
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
      h('h3', {}, t('Leading hypotheses')),
      h('ol', { class: 'hypotheses' }, ...hypotheses.map(hy => {
        const bar = h('span', { class: 'hyp-fill' });
        bar.style.width = percent(hy.confidence);
        return h('li', { class: hy.cause === v.cause ? 'top' : '' },
          h('span', { class: 'hyp-name' }, causeTitle(hy.cause, d)),
          h('span', { class: 'hyp-bar', 'aria-hidden': 'true' }, bar),
          h('span', { class: 'hyp-value' }, probability(hy.confidence)));
      }))) : null,
    d.fixes.length ? h('div', { class: 'block', id: 'fixes', 'data-cause': d.fixesFor ?? '' },
      h('h3', {}, d.fixes.length === 1 ? t('Fix for {0}', causeTitle(d.fixesFor ?? v.cause, d)) : t('Fixes for {0}', causeTitle(d.fixesFor ?? v.cause, d)),
        v.settled && v.cause === d.fixesFor ? t(' (the cause you settled on)') : v.cause === 'unknown' ? t(' (the leading cause, if it is that one)') : ''),
      h('ol', { class: 'fixes' }, ...d.fixes.map(f => h('li', { class: 'fix' },
        h('h4', {}, k(f.title)),
        h('p', { class: 'how' }, k(f.how)),
        h('p', { class: 'tradeoffs' }, h('strong', {}, t('Trade-offs: ')), k(f.tradeoffs)))))) : null,
  ];
}

/** What the user's sources say about one function, and whether that is the node's evidence (weighed) or only theirs. */
function renderSourceCheck(a: SourceCheckAttachment, key: string, view: View): HTMLElement {
  const glyph = a.holds === true ? 'check' : a.holds === false ? 'cross' : 'question';
  return h('div', { class: `block savestate source-check${a.weighed ? ' weighed' : ' not-weighed'}`, 'data-weighed': String(a.weighed) },
    h('h3', {}, a.sourcesVersion ? t('{0} in your {1} sources ({2})', a.subject, a.program, a.sourcesVersion) : t('{0} in your {1} sources', a.subject, a.program)),
    h('div', { class: 'savestate-card' },
      h('div', { class: 'ev-head' },
        h('span', { class: `chip chip-${glyph}` }, icon(glyph), h('span', {}, a.reading)),
        a.file && a.line ? fileLink(view, `source-check:${key}`, a.file, a.line) : null),
      h('p', { class: 'detail source-why' }, `${a.why[0]!.toUpperCase()}${a.why.slice(1)}.`)));
}

// ── 7. Report ─────────────────────────────────────────────────────────────────────────────────

function renderReport(state: PanelState, view: View): Child[] {
  const details = h('details', { class: 'report-preview', open: view.reportOpen },
    h('summary', { 'data-key': 'report-preview' }, t('Preview the report')),
    h('pre', {}, state.report));
  details.addEventListener('toggle', () => view.setReportOpen(details.open));
  return [
    h('p', { class: 'lead' }, t('The same findings as Markdown, ready for the incident ticket.')),
    h('div', { class: 'actions' },
      button(t('Copy as Markdown'), { id: 'copy-report', 'data-key': 'copy-report' }, () => view.post({ type: 'copyReport' })),
      button(t('Save report…'), { id: 'save-report', appearance: 'secondary', 'data-key': 'save-report' }, () => view.post({ type: 'saveReport' }))),
    details,
  ];
}
