/**
 * The core's sentences in the reader's language. The core writes each sentence as its English text
 * with `{0}`, `{1}`… placeholders and hands it to `say.t` — the contract of `vscode.l10n.t`, so the
 * extension passes VS Code's own lookup (l10n/bundle.l10n.<locale>.json, keyed by the English text)
 * and the CLI the English default. Texts of the cause catalog (a cause's or observation's title, a
 * question's answer) go through `say.k`: the same bundle holds them. Signature texts, log quotes,
 * file names, ids and versions are arguments, never looked up.
 *
 * Every first argument of a `say.t(…)` under src/core is a plain string literal: the unit tests read
 * them from the sources (test/harness/l10n.ts) and check that the bundles hold each one.
 */
export interface Say {
  t(message: string, ...args: (string | number)[]): string;
  k(text: string): string;
}

/** `{0}`, `{1}`… replaced by the arguments; a placeholder without its argument stays as written. */
export function format(message: string, args: readonly (string | number)[]): string {
  return args.length === 0 ? message : message.replace(/\{(\d+)\}/g, (m, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : m));
}

/** English: every message is its own text (the CLI, the --json output and the tests). */
export const ENGLISH: Say = {
  t: (message, ...args) => format(message, args),
  k: (text) => text,
};

/** A bundle's translations (English text → translation), falling back to the English text for any message it lacks. */
export function fromBundle(bundle: Readonly<Record<string, string>>): Say {
  return {
    t: (message, ...args) => format(bundle[message] ?? message, args),
    k: (text) => bundle[text] ?? text,
  };
}
