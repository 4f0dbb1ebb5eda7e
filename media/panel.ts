/**
 * Entry of the diagnosis panel's webview. The host owns the diagnosis; this page only renders the
 * PanelState it sends and posts the user's actions back (protocol.ts). Bundled by `build:webview`.
 */
import type { HostMessage, PanelState, WebviewMessage } from '../src/core/diagnosis/protocol';
import { mountCharts } from './chart';
import { h } from './dom';
import { setBundle, t } from './l10n';
import { renderPage, type View } from './render';
import { parseHostMessage, parsePanelState } from './validate';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

// The state VS Code kept while the panel was hidden renders at once, before the host resends it.
let state: PanelState | null = parsePanelState(vscode.getState());
let busy: string | null = null;
let toolkitReady = false;
let renders = 0;
/** The host's number of the state shown (0: none yet, or the one VS Code kept), and the words it is shown in. */
let shownSeq = 0;
let shownWords = '{}';

const view: View = {
  post: message => vscode.postMessage(message),
  reportOpen: false,
  setReportOpen(open) {
    view.reportOpen = open;
  },
};

const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
const busyBar = h('div', { id: 'busy', class: 'busy', role: 'status', 'aria-live': 'polite' });
const content = h('main', { id: 'content' });
app.replaceChildren(busyBar, content);

window.addEventListener('message', event => {
  const message: HostMessage | null = parseHostMessage(event.data);
  if (!message) return;
  if (message.type === 'l10n') {
    // Sent on every ready: the page is laid out again only when its words change (another language).
    const words = JSON.stringify(message.bundle);
    if (words === shownWords) return;
    shownWords = words;
    setBundle(message.bundle);
    renderBusy();
    renderContent();
    return;
  }
  if (message.type === 'busy') {
    busy = message.message;
    renderBusy();
    return;
  }
  busy = null;
  renderBusy();
  // The state shown, sent again: only the busy message goes.
  if (message.seq === shownSeq) return;
  shownSeq = message.seq;
  state = message.state;
  vscode.setState(state);
  renderContent();
});

function renderBusy(): void {
  if (!toolkitReady) return;
  busyBar.classList.toggle('shown', busy !== null);
  busyBar.replaceChildren(...(busy === null ? [] : [h('vscode-progress-ring', { 'aria-hidden': 'true' }), h('span', {}, busy)]));
}

/**
 * One full render per state. Keyboard users keep their place: the focused control is found again
 * by its data-key, or failing that the heading of the step it was in.
 */
function renderContent(): void {
  if (!toolkitReady) return;
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const key = focused?.closest('[data-key]')?.getAttribute('data-key') ?? null;
  const sectionId = focused?.closest('section')?.id ?? null;
  if (state === null) {
    content.replaceChildren(h('p', { class: 'waiting' }, busy === null ? t('Waiting for the diagnosis…') : ''));
    return;
  }
  content.replaceChildren(...renderPage(state, view));
  mountCharts();
  // How many states this page has laid out: a test waits for the next one instead of guessing a delay.
  renders += 1;
  content.dataset.renders = String(renders);
  if (focused && !focused.isConnected) {
    const again = key === null ? null : [...content.querySelectorAll<HTMLElement>('[data-key]')].find(el => el.dataset.key === key);
    (again ?? (sectionId ? document.getElementById(`${sectionId}-title`) : null))?.focus({ preventScroll: true });
  }
}

// The toolkit is an ES module and this file type-checks as CommonJS (the package has no "type"),
// so it is loaded with import(); esbuild inlines it into the one bundle all the same.
async function main(): Promise<void> {
  const tk = await import('@vscode/webview-ui-toolkit');
  tk.provideVSCodeDesignSystem().register(
    // Every toolkit element render.ts builds must be registered here: an unregistered one is an empty
    // 0×0 element (the paste box was one).
    tk.vsCodeButton(), tk.vsCodeDropdown(), tk.vsCodeOption(), tk.vsCodeTextField(), tk.vsCodeTextArea(), tk.vsCodeProgressRing(),
  );
  toolkitReady = true;
  renderBusy();
  renderContent();
  vscode.postMessage({ type: 'ready' });
}

void main();
