import * as vscode from 'vscode';
import { type TimeOptions, parseZone } from '../core/logs/time';
import { type SignatureProblem, builtInSignatures, withUserSignatures } from '../core/signatures/catalog';
import { Matcher } from '../core/signatures/matcher';
import type { SessionConfig } from '../core/diagnosis/sessionThread';

/** The `runtimeLens.*` settings, read once per change. */
export interface Config {
  logGlobs: string[];
  hover: boolean;
  codeLens: boolean;
  diagnostics: boolean;
  statusBar: boolean;
  autoDetectLanguage: boolean;
  maxProblemsPerSignature: number;
  time: TimeOptions;
  matcher: Matcher;
  /** What the diagnosis session's thread compiles its matcher from (sessionThread.ts): the `runtimeLens.signatures` setting as given, and the time options. */
  session: SessionConfig;
  problems: (SignatureProblem | { origin: string; id: null; message: string })[];
}

const builtIn = builtInSignatures();

export function readConfig(): Config {
  const c = vscode.workspace.getConfiguration('runtimeLens');
  const setting: unknown = c.get('signatures');
  const { signatures, problems } = withUserSignatures(builtIn, setting, 'setting runtimeLens.signatures');
  const allProblems: Config['problems'] = [...problems];
  const time: TimeOptions = {};
  const year = c.get<number | null>('year', null);
  if (typeof year === 'number') time.year = year;
  const tz = c.get<string>('timeZone', '').trim();
  if (tz) {
    const zone = parseZone(tz);
    if (zone) time.zone = zone;
    else allProblems.push({ origin: 'setting runtimeLens.timeZone', id: null, message: vscode.l10n.t("'{0}' is not UTC, an offset like +08:00 or an IANA zone", tz) });
  }
  return {
    logGlobs: c.get<string[]>('logGlobs', []),
    hover: c.get('hover.enabled', true),
    codeLens: c.get('codeLens.enabled', true),
    diagnostics: c.get('diagnostics.enabled', true),
    statusBar: c.get('statusBar.enabled', true),
    autoDetectLanguage: c.get('autoDetectLanguage', true),
    maxProblemsPerSignature: Math.max(1, c.get('diagnostics.maxPerSignature', 200)),
    time,
    matcher: new Matcher(signatures),
    session: { signatures: setting, time },
    problems: allProblems,
  };
}
