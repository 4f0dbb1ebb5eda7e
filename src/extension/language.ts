import * as vscode from 'vscode';
import type { Config } from './config';

// The built-in `log` language claims every *.log; package.json's filenamePatterns and firstLine cover
// the rest. A `.log` whose first line is plainly klog, logrus or a journal line becomes runtime-log.
const FIRST_LINE = /^(?:[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6}\s+\d+ \S+\]|time="\d{4}-\d\d-\d\dT|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ (?:kubelet|dockerd|containerd|docker|kube-proxy)\[\d+\]:)/;

export function registerLanguageDetection(getConfig: () => Config): vscode.Disposable {
  const check = (doc: vscode.TextDocument) => {
    if (!getConfig().autoDetectLanguage || (doc.languageId !== 'log' && doc.languageId !== 'plaintext')) return;
    if (doc.lineCount === 0 || !FIRST_LINE.test(doc.lineAt(0).text.slice(0, 512))) return;
    void vscode.languages.setTextDocumentLanguage(doc, 'runtime-log');
  };
  vscode.workspace.textDocuments.forEach(check);
  return vscode.workspace.onDidOpenTextDocument(check);
}
