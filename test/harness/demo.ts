import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { debianSources } from './goSources';
import { cacheDir, repoRoot } from './paths';
import { codeServerCommand, prepareProfile } from './vscode';

// `npm run demo [-- --port N] [-- --host ADDR]`: the packaged extension in a real VS Code (code-server)
// on the sample incident workspace, plus the CLI on the same files. Port and host also come from
// RUNTIME_LENS_PORT / RUNTIME_LENS_HOST. code-server runs with --auth none, hence loopback by default.
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.RUNTIME_LENS_PORT ?? '8080' },
    host: { type: 'string', default: process.env.RUNTIME_LENS_HOST ?? '127.0.0.1' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(`demo: --port must be a TCP port number, got '${values.port}'\n`);
  process.exit(2);
}
const workspace = path.join(repoRoot, 'samples', 'eof-incident');
const prefix = execFileSync('bash', [path.join(repoRoot, 'test', 'harness', 'code-server.sh')], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
}).trim();
// The real Go sources of the incident's projects, as Debian ships them, for tracing.
const sources = debianSources();
const profileDir = path.join(cacheDir, 'demo-profile');
fs.rmSync(profileDir, { recursive: true, force: true });
const profile = prepareProfile(prefix, profileDir, {
  'runtimeLens.sourceRoots': [sources.checkouts, sources.gocode],
  'workbench.startupEditor': 'none',
});

const cli = path.join(repoRoot, 'dist', 'cli.js');
const show = (args: string[]) => {
  process.stdout.write(`\n$ node dist/cli.js ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}\n`);
  process.stdout.write(execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: repoRoot }));
};
process.stdout.write('\n── The CLI on the same incident ──────────────────────────────');
show(['diagnose', '--sources', sources.checkouts, 'samples/eof-incident']);
show(['trace', '--chain', 'writer', '--sources', sources.checkouts, '--sources', sources.gocode]);

const cs = codeServerCommand(prefix);
const server = spawn(
  cs.node,
  [
    cs.entry,
    '--auth', 'none',
    '--bind-addr', `${values.host}:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir', profile.userData,
    '--extensions-dir', profile.extensions,
    workspace,
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
server.on('exit', (code) => process.exit(code ?? 0));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => server.kill(sig));
process.stdout.write(
  `\n── Runtime Lens in VS Code ───────────────────────────────────\n` +
    `Open http://${values.host === '0.0.0.0' ? '127.0.0.1' : values.host}:${port}/?folder=${encodeURIComponent(workspace)}\n` +
    `(workspace: ${path.relative(repoRoot, workspace)}; Ctrl+C stops the server)\n`,
);
