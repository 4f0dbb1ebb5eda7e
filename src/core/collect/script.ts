import { product } from '../product';
import { COLLECT_PLAN, type CollectPlan } from './plan';

/** A word for `sh`, single-quoted: safe for any text. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A JSON string literal of ASCII text, as the script writes it into the manifest. */
function jsonString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A delimiter for sed's `s` that the pattern and its replacement do not hold. */
function sedDelimiter(...texts: string[]): string {
  const d = ['#', '%', '@', '!', '~', ';'].find((c) => texts.every((t) => !t.includes(c)));
  if (!d) throw new Error(`no sed delimiter fits ${texts.join(' ')}`);
  return d;
}

/** The `sed -E` arguments that redact as `redactor()` does (block rules first, then line rules). */
export function sedArguments(plan: Pick<CollectPlan, 'blocks' | 'lines'> = COLLECT_PLAN): string[] {
  const args: string[] = [];
  for (const b of plan.blocks) args.push('-e', `/${b.begin}/,/${b.end}/{`, '-e', '/-----/!s/.*/<redacted>/', '-e', '}');
  for (const r of plan.lines) {
    const d = sedDelimiter(r.pattern, r.replace);
    args.push('-e', `s${d}${r.pattern}${d}${r.replace}${d}g`);
  }
  return args;
}

/**
 * The collection as a POSIX `sh` script (dash, busybox ash, bash): the plan's prelude and snippets run
 * as they are in the node.js collector (each in `sh -c`, under `timeout` when there is one), with the
 * same bounds, the same redaction (`sed -E`, counted with `grep -oE`) and the same manifest, packed with
 * `tar -czf`. `sh collect.sh [FILE]`; without FILE, runtime-lens-<host>-<UTC time>.tar.gz here.
 */
export function collectScript(plan: CollectPlan = COLLECT_PLAN): string {
  const out: string[] = [];
  out.push(
    '#!/bin/sh',
    `# ${product.name} ${product.version} collect — gathers this node's evidence for \`${product.name} diagnose\`.`,
    '#',
    '#   sh collect.sh [FILE]     # as root; without FILE: ./runtime-lens-<host>-<UTC time>.tar.gz; FILE - : stdout',
    '#   ssh NODE sudo sh -s -- - < collect.sh > NODE.tar.gz          # over SSH, the bundle comes back on stdout',
    '#   kubectl debug node/NODE -it --image=busybox -- chroot /host sh   # then: cd /tmp, paste this script,',
    '#   and copy the bundle out: kubectl cp POD:/host/tmp/runtime-lens-….tar.gz NODE.tar.gz (POD: node-debugger-…)',
    '#',
    '# It only reads (journals, /proc, /sys/fs/cgroup, /etc, --version output), redacts secrets (tokens,',
    '# passwords, keys), bounds what it keeps and how long each command may run, and records in',
    '# manifest.json every command that is missing or fails. Environment: SINCE (default ' + plan.since + '), TMPDIR.',
    '',
    'export LC_ALL=C',
    `RL_SINCE=\${SINCE:-${plan.since}}`,
    `case "$RL_SINCE" in *[!0-9smhd]*|'') echo "collect: SINCE wants a duration like 6h, 30m or 2d" >&2; exit 2 ;; esac`,
    `RL_FILES=${plan.cgroupFiles}`,
    `RL_TOTAL=${plan.totalBytes}`,
    'export RL_SINCE RL_FILES',
    'rl_host=$(cat /proc/sys/kernel/hostname 2>/dev/null || hostname)',
    `rl_safe=$(printf '%s' "$rl_host" | tr -c 'A-Za-z0-9._-' '_')`,
    'rl_name="runtime-lens-${rl_safe:-node}-$(date -u +%Y%m%dT%H%M%SZ)"',
    'rl_out=${1:-$rl_name.tar.gz}',
    `rl_work=$(mktemp -d "\${TMPDIR:-/tmp}/runtime-lens.XXXXXX") || { echo "collect: cannot make a work folder in \${TMPDIR:-/tmp}" >&2; exit 1; }`,
    "trap 'rm -rf \"$rl_work\"' EXIT",
    "trap 'exit 130' INT",
    "trap 'exit 143' TERM",
    'rl_dir="$rl_work/$rl_name"',
    'mkdir -p "$rl_dir"',
    'if command -v timeout >/dev/null 2>&1; then rl_timeout=timeout; else rl_timeout=; fi',
    `rl_prelude=${shQuote(plan.prelude)}`,
    'rl_written=0',
    'rl_redactions=0',
    'rl_sep=',
    ': > "$rl_work/entries"',
    '',
    '# A JSON string of the text on stdin: one line, escaped, at most 300 bytes.',
    "rl_json() { head -c 300 | tr '\\n\\r\\t' '   ' | tr -d '\\000-\\037' | sed -e 's/\\\\/\\\\\\\\/g' -e 's/\"/\\\\\"/g' -e 's/^/\"/' -e 's/$/\"/'; }",
    '',
    '# rl_run WHAT-JSON COMMAND-JSON FILE MAX-BYTES head|tail TIMEOUT SNIPPET',
    'rl_run() {',
    '  rl_max=$4',
    '  rl_cmd=$(printf \'%s\' "$2" | sed "s/[$]SINCE/$RL_SINCE/g")',
    '  rl_left=$((RL_TOTAL - rl_written))',
    '  if [ "$rl_left" -le 0 ]; then',
    `    printf '%s{"what":%s,"command":%s,"file":"%s","exit":null,"bytes":0,"note":"skipped: the bundle reached its limit of %s bytes"}' "$rl_sep" "$1" "$rl_cmd" "$3" "$RL_TOTAL" >> "$rl_work/entries"`,
    "    rl_sep=','",
    '    return',
    '  fi',
    '  [ "$rl_left" -lt "$rl_max" ] && rl_max=$rl_left',
    '  mkdir -p "$(dirname "$rl_dir/$3")"',
    '  # $? of the command itself, not of the pipe that bounds its output',
    '  { RL_MAX=$rl_max $rl_timeout ${rl_timeout:+$6} sh -c "$rl_prelude',
    '$7" < /dev/null 2> "$rl_work/err"; echo $? > "$rl_work/rc"; } | if [ "$5" = tail ]; then tail -c "$rl_max"; else head -c "$rl_max"; fi > "$rl_work/raw"',
    '  rl_rc=$(cat "$rl_work/rc")',
    '  rl_n=0',
    ...plan.blocks.map((b) => `  rl_n=$((rl_n + $(grep -cE -e ${shQuote(b.begin)} "$rl_work/raw")))`),
    ...plan.lines.map((r) => `  rl_n=$((rl_n + $(grep -oE -e ${shQuote(r.pattern)} "$rl_work/raw" | wc -l)))`),
    `  sed -E ${sedArguments(plan).map(shQuote).join(' ')} "$rl_work/raw" > "$rl_dir/$3"`,
    '  rl_redactions=$((rl_redactions + rl_n))',
    '  rl_bytes=$(wc -c < "$rl_dir/$3" | tr -d " ")',
    '  rl_written=$((rl_written + rl_bytes))',
    '  # stderr can quote a secret (a flag in an error message): redacted like the output, not counted',
    `  rl_note=$(sed -E ${sedArguments(plan).map(shQuote).join(' ')} "$rl_work/err")`,
    '  case "$rl_rc" in',
    `    124) rl_note="timed out after $6 s\${rl_note:+; $rl_note}" ;;`,
    `    127) rl_note="\${rl_note:-command not found}" ;;`,
    '  esac',
    `  if [ "$(wc -c < "$rl_work/raw")" -ge "$rl_max" ]; then rl_note="\${rl_note:+$rl_note; }cut at $rl_max bytes (the $5 kept)"; fi`,
    '  if [ -n "$rl_note" ]; then rl_note=$(printf \'%s\' "$rl_note" | rl_json); else rl_note=null; fi',
    `  printf '%s{"what":%s,"command":%s,"file":"%s","exit":%s,"bytes":%s,"note":%s}' "$rl_sep" "$1" "$rl_cmd" "$3" "$rl_rc" "$rl_bytes" "$rl_note" >> "$rl_work/entries"`,
    "  rl_sep=','",
    '}',
    '',
  );
  for (const e of plan.entries) {
    out.push(`rl_run ${[jsonString(e.what), jsonString(e.command), e.file, String(e.maxBytes), e.keep, String(e.timeoutSeconds)].map(shQuote).join(' ')} ${shQuote(e.sh)}`);
  }
  out.push(
    '',
    '{',
    `  printf '{"collectedAt":"%s","host":%s,"since":"%s","by":"%s","entries":[' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(printf '%s' "$rl_host" | rl_json)" "$RL_SINCE" ${shQuote(`${product.name} ${product.version} collect.sh`)}`,
    '  cat "$rl_work/entries"',
    `  printf '],"redactions":%s}\\n' "$rl_redactions"`,
    '} > "$rl_dir/manifest.json"',
    'tar -czf "$rl_work/bundle.tar.gz" -C "$rl_work" "$rl_name" || { echo "collect: tar failed" >&2; exit 1; }',
    '# FILE - writes the bundle to stdout (ssh NODE sudo sh -s -- - < collect.sh > NODE.tar.gz).',
    'if [ "$rl_out" = - ]; then cat "$rl_work/bundle.tar.gz"; exit; fi',
    'cat "$rl_work/bundle.tar.gz" > "$rl_out" || { echo "collect: cannot write $rl_out" >&2; exit 1; }',
    'echo "$rl_out"',
    '',
  );
  return out.join('\n');
}
