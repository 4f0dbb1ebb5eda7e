/**
 * The panel's words in the display language. The host sends the extension's l10n bundle (VS Code
 * loads l10n/bundle.l10n.<locale>.json for it) through the protocol; until then, and for any message
 * the bundle lacks, the English message is its own key, as with vscode.l10n.t. Placeholders are
 * `{0}`, `{1}`…; texts from the logs and the catalog's signatures are never looked up.
 */
import { format } from '../src/core/l10n';

let bundle: Record<string, string> = {};

export function setBundle(contents: Record<string, string>): void {
  bundle = contents;
}

export function t(message: string, ...args: (string | number)[]): string {
  return format(bundle[message] ?? message, args);
}

/**
 * A text of the cause catalog (causes.json: a cause's title and summary, an observation's title and
 * question), looked up by its English text: the bundle holds its translation beside the panel's own
 * words. Signature titles and everything quoted from the logs are never looked up.
 */
export function k(text: string): string {
  return bundle[text] ?? text;
}
