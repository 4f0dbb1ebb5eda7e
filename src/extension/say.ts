import * as vscode from 'vscode';
import { type Say, fromBundle } from '../core/l10n';

/**
 * The core's sentences (verdict, clock note, evidence details, report) in VS Code's display language:
 * looked up in the bundle VS Code loaded for the extension (l10n/bundle.l10n.<locale>.json, keyed by
 * the English text, as the panel's words are), English for any message it lacks or without one.
 */
export function say(): Say {
  return fromBundle(vscode.l10n.bundle ?? {});
}

/** How a VS Code user sets the zone of node-local times, as the clock note and the evidence name it. */
export function setZone(): string {
  return vscode.l10n.t('the setting runtimeLens.timeZone');
}
