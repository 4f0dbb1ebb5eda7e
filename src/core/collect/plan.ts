/**
 * What `runtime-lens collect` gathers from a node, as data: one plan that both collectors run — the
 * node.js collector (`collect.ts`) and the POSIX `sh` script printed by `--print-script` (`script.ts`).
 * Each entry's command is an `sh` snippet, because the script has nothing else and node.js has `/bin/sh`:
 * running the same snippet in both is what keeps them one collection, not two copies that drift.
 *
 * The snippets only read: files under /proc, /sys and /etc, journals, `--version` output. They run with
 * `LC_ALL=C` and three variables: RL_SINCE (`6h`), RL_MAX (the byte bound of this entry) and RL_FILES
 * (the bound on cgroup files). What a snippet prints on stderr becomes the entry's note.
 */

export interface CollectEntry {
  /** Stable id (tests, the panel's hints). */
  id: string;
  /** What it is, for the manifest (`what`). */
  what: string;
  /** The command as a person would type it, for the manifest (`command`). */
  command: string;
  /** Path inside the bundle, relative to its top folder (`file`). */
  file: string;
  /** The sh snippet; its stdout is the file's content. */
  sh: string;
  /** Bytes kept of the output, and which end: a log's newest lines are at its end. */
  maxBytes: number;
  keep: 'head' | 'tail';
  timeoutSeconds: number;
}

/**
 * A secret as it appears on one line. `pattern` is a POSIX ERE that is also a JavaScript regular
 * expression with the same meaning: literals, bracket expressions without classes, groups, `|`, `*`,
 * `+`, `?` and `{m,n}` only (a unit test runs every rule through `sed -E` and `busybox sed -E`).
 * `replace` is sed's replacement: `\1` keeps the key, the secret becomes `<redacted>`.
 */
export interface LineRedaction {
  id: string;
  why: string;
  pattern: string;
  replace: string;
}

/** A secret spanning lines (a PEM private key): every line between the markers is replaced. */
export interface BlockRedaction {
  id: string;
  why: string;
  begin: string;
  end: string;
}

export interface CollectPlan {
  /** Shell functions every snippet may call, defined before it. */
  prelude: string;
  entries: CollectEntry[];
  blocks: BlockRedaction[];
  lines: LineRedaction[];
  /** The bundle's bound: once reached, the remaining entries are recorded as skipped. */
  totalBytes: number;
  /** The bound on cgroup files read (RL_FILES). */
  cgroupFiles: number;
  /** `--since` when not given. */
  since: string;
}

/** What replaces a secret. */
export const REDACTED = '<redacted>';

const MiB = 1024 * 1024;

// Snippets use the `rl_` prefix for their variables: they run in one shell with the prelude.
const prelude = String.raw`
# The first process whose name (comm) is $1.
rl_pid() {
  for rl_p in /proc/[0-9]*; do
    rl_c=
    { read -r rl_c < "$rl_p/comm"; } 2>/dev/null
    if [ "$rl_c" = "$1" ]; then echo "${'$'}{rl_p#/proc/}"; return 0; fi
  done
  return 1
}
# The arguments of process $1, one a line.
rl_args() { tr '\000' '\n' < "/proc/$1/cmdline"; }
# The value of flag --$2 (--$2=V or --$2 V) of process $1.
rl_flag() {
  [ -n "$1" ] || return 0
  rl_args "$1" 2>/dev/null | sed -n -e "s/^--$2=//p" -e "/^--$2\$/{n;p;}" | head -n 1
}
# A path the process $1 gave relative to its working directory, as seen from here.
rl_abs() { case "$2" in /*) echo "$2" ;; *) echo "/proc/$1/cwd/$2" ;; esac; }
# The path process $1 was given by flag --$2 (made absolute), else the default $3.
rl_flag_path() {
  rl_p=$(rl_flag "$1" "$2")
  if [ -n "$rl_p" ]; then rl_abs "$1" "$rl_p"; else echo "$3"; fi
}
# The journal's short-iso-precise (systemd >= 234) or short-iso: both carry the year and the zone.
rl_jfmt() { if journalctl -q -n 0 -o short-iso-precise >/dev/null 2>&1; then echo short-iso-precise; else echo short-iso; fi; }
# The journal of unit $1 since RL_SINCE, else its log file, else its lines of syslog.
rl_journal() {
  if command -v journalctl >/dev/null 2>&1 && journalctl -u "$1" -q -n 1 --no-pager 2>/dev/null | grep -q .; then
    journalctl -u "$1" --since="-$RL_SINCE" -o "$(rl_jfmt)" --no-pager
    return
  fi
  command -v journalctl >/dev/null 2>&1 || echo "journalctl not found" >&2
  for rl_f in "/var/log/$1.log" "/var/log/$1/$1.log"; do
    if [ -f "$rl_f" ]; then echo "no $1 journal: the end of $rl_f" >&2; tail -c "$RL_MAX" "$rl_f"; return; fi
  done
  for rl_f in /var/log/syslog /var/log/messages; do
    if [ -f "$rl_f" ]; then echo "no $1 journal: its lines of $rl_f" >&2; grep -h "$1" "$rl_f"; return; fi
  done
  echo "no $1 journal, no /var/log/$1.log, no syslog" >&2
  return 1
}
# The first of $2 (names) found in the PATH list $1.
rl_inpath() {
  rl_ps=$1; shift
  rl_oldifs=$IFS; IFS=:
  for rl_d in $rl_ps; do
    for rl_n in "$@"; do
      if [ -n "$rl_d" ] && [ -x "$rl_d/$rl_n" ]; then IFS=$rl_oldifs; echo "$rl_d/$rl_n"; return 0; fi
    done
  done
  IFS=$rl_oldifs
  return 1
}
# The PATH in the environment of process $1.
rl_envpath() { [ -n "$1" ] && tr '\000' '\n' < "/proc/$1/environ" 2>/dev/null | sed -n 's/^PATH=//p' | head -n 1; }
# The runc that containerd or dockerd runs: containerd's BinaryName, dockerd's default runtime in
# daemon.json, else runc (or docker-runc) on the PATH of containerd, of dockerd, then ours.
rl_runc() {
  rl_cd=$(rl_pid containerd)
  rl_c=$(rl_flag "$rl_cd" config)
  if [ -n "$rl_c" ]; then rl_c=$(rl_abs "$rl_cd" "$rl_c"); else rl_c=/etc/containerd/config.toml; fi
  if [ -f "$rl_c" ]; then
    rl_b=$(sed -n 's/^[[:space:]]*BinaryName[[:space:]]*=[[:space:]]*["'"'"']\([^"'"'"']*\)["'"'"'].*/\1/p' "$rl_c" | head -n 1)
    if [ -n "$rl_b" ]; then echo "runc: $rl_b (BinaryName in $rl_c)" >&2; echo "$rl_b"; return 0; fi
  fi
  rl_dd=$(rl_pid dockerd)
  rl_j=$(rl_flag "$rl_dd" config-file)
  if [ -n "$rl_j" ]; then rl_j=$(rl_abs "$rl_dd" "$rl_j"); else rl_j=/etc/docker/daemon.json; fi
  if [ -f "$rl_j" ]; then
    rl_n=$(tr -d '\n' < "$rl_j" | sed -n 's/.*"default-runtime"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
    if [ -n "$rl_n" ]; then
      rl_b=$(tr -d '\n' < "$rl_j" | sed -n "s/.*\"$rl_n\"[[:space:]]*:[[:space:]]*{[^}]*\"path\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p")
      if [ -n "$rl_b" ]; then
        case "$rl_b" in /*) ;; *) rl_b=$(rl_inpath "$(rl_envpath "$rl_dd"):$PATH" "$rl_b") ;; esac
        if [ -n "$rl_b" ]; then echo "runc: $rl_b (default-runtime $rl_n in $rl_j)" >&2; echo "$rl_b"; return 0; fi
      fi
    fi
  fi
  for rl_who in containerd dockerd; do
    rl_pp=$(rl_pid "$rl_who") || continue
    if rl_b=$(rl_inpath "$(rl_envpath "$rl_pp")" runc docker-runc); then echo "runc: $rl_b (on the PATH of $rl_who)" >&2; echo "$rl_b"; return 0; fi
  done
  if rl_b=$(rl_inpath "$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" runc docker-runc); then echo "runc: $rl_b (on the PATH)" >&2; echo "$rl_b"; return 0; fi
  echo "no runc found (containerd config, daemon.json, PATH)" >&2
  return 1
}
# A running program's own version ($1 the process name, $2 the binary to try else).
rl_version() {
  if rl_vp=$(rl_pid "$1") && [ -x "/proc/$rl_vp/exe" ]; then echo "$1: the running binary (pid $rl_vp)" >&2; "/proc/$rl_vp/exe" --version; return; fi
  if command -v "$2" >/dev/null 2>&1; then "$2" --version; return; fi
  echo "$1 is not running and $2 is not on the PATH" >&2
  return 127
}
# The kubepods cgroup files named $@, as a head-style dump (==> path <==), at most RL_FILES of them.
rl_cgroups() {
  rl_list=$(for rl_n in "$@"; do find /sys/fs/cgroup -maxdepth 7 -path '*kubepods*' -name "$rl_n" -type f 2>/dev/null; done | head -n "$((RL_FILES + 1))")
  if [ -z "$rl_list" ]; then echo "no kubepods cgroup has $*" >&2; return 0; fi
  if [ "$(echo "$rl_list" | wc -l)" -gt "$RL_FILES" ]; then echo "more than $RL_FILES files: the first $RL_FILES" >&2; fi
  echo "$rl_list" | head -n "$RL_FILES" | while read -r rl_f; do echo "==> $rl_f <=="; head -c 4096 "$rl_f"; done
}
`;

const logEntry = (id: string, what: string, command: string, file: string, sh: string): CollectEntry => ({ id, what, command, file, sh, maxBytes: 32 * MiB, keep: 'tail', timeoutSeconds: 120 });
const small = (id: string, what: string, command: string, file: string, sh: string): CollectEntry => ({ id, what, command, file, sh, maxBytes: MiB, keep: 'head', timeoutSeconds: 30 });

export const COLLECT_PLAN: CollectPlan = {
  prelude,
  since: '6h',
  totalBytes: 128 * MiB,
  cgroupFiles: 500,
  entries: [
    logEntry('kubelet-journal', 'kubelet journal', 'journalctl -u kubelet --since=-$SINCE -o short-iso-precise', 'journal/kubelet.log', 'rl_journal kubelet'),
    logEntry('containerd-journal', 'containerd journal', 'journalctl -u containerd --since=-$SINCE -o short-iso-precise', 'journal/containerd.log', 'rl_journal containerd'),
    logEntry('docker-journal', 'docker journal', 'journalctl -u docker --since=-$SINCE -o short-iso-precise', 'journal/docker.log', 'rl_journal docker'),
    logEntry(
      'kernel-log',
      'kernel log',
      'journalctl -k --since=-$SINCE -o short-iso-precise || dmesg -T || dmesg',
      'journal/kernel.log',
      String.raw`if command -v journalctl >/dev/null 2>&1 && journalctl -k -q -n 1 --no-pager 2>/dev/null | grep -q .; then
  journalctl -k --since="-$RL_SINCE" -o "$(rl_jfmt)" --no-pager
elif dmesg -T >/dev/null 2>&1; then
  echo "no kernel journal: dmesg -T (the whole ring buffer)" >&2; dmesg -T
elif dmesg >/dev/null 2>&1; then
  echo "no kernel journal: dmesg (the whole ring buffer)" >&2; dmesg
elif [ -f /var/log/kern.log ]; then
  echo "no kernel journal, dmesg refused: the end of /var/log/kern.log" >&2; tail -c "$RL_MAX" /var/log/kern.log
else
  echo "no kernel journal, dmesg refused, no /var/log/kern.log" >&2; exit 1
fi`,
    ),
    // One line, as `ps` shows it: a flag's value stays beside its name, where the redaction finds it.
    small('kubelet-flags', 'kubelet flags', "tr '\\0' ' ' < /proc/$(pidof kubelet)/cmdline", 'kubelet/flags.txt', 'rl_k=$(rl_pid kubelet) || { echo "no kubelet process" >&2; exit 1; }\nrl_args "$rl_k" | tr \'\\n\' \' \'\necho'),
    small(
      'kubelet-environment',
      'kubelet environment',
      "tr '\\0' '\\n' < /proc/$(pidof kubelet)/environ",
      'kubelet/environ.txt',
      'rl_k=$(rl_pid kubelet) || { echo "no kubelet process" >&2; exit 1; }\ntr \'\\000\' \'\\n\' < "/proc/$rl_k/environ"',
    ),
    small(
      'kubelet-config',
      'kubelet config',
      'cat $(kubelet --config) || cat /var/lib/kubelet/config.yaml',
      'kubelet/config.yaml',
      String.raw`cat "$(rl_flag_path "$(rl_pid kubelet)" config /var/lib/kubelet/config.yaml)"`,
    ),
    small(
      'cpu-manager-state',
      'kubelet cpu_manager_state',
      'cat /var/lib/kubelet/cpu_manager_state',
      'kubelet/cpu_manager_state',
      String.raw`cat "$(rl_flag_path "$(rl_pid kubelet)" root-dir /var/lib/kubelet)/cpu_manager_state"`,
    ),
    small('runc-version', 'runc --version (the runc containerd or dockerd runs)', 'runc --version', 'runtime/runc-version.txt', 'rl_r=$(rl_runc) || exit 127\n"$rl_r" --version'),
    small('containerd-version', 'containerd --version', 'containerd --version', 'runtime/containerd-version.txt', 'rl_version containerd containerd'),
    small('dockerd-version', 'dockerd --version', 'dockerd --version', 'runtime/dockerd-version.txt', 'rl_version dockerd dockerd'),
    small('docker-version', 'docker version', 'docker version', 'runtime/docker-version.txt', 'docker version'),
    small('docker-info', 'docker info', 'docker info', 'runtime/docker-info.txt', 'docker info'),
    small(
      'containerd-config',
      'containerd config',
      'cat /etc/containerd/config.toml',
      'runtime/containerd-config.toml',
      String.raw`cat "$(rl_flag_path "$(rl_pid containerd)" config /etc/containerd/config.toml)"`,
    ),
    small(
      'docker-daemon-json',
      'dockerd config',
      'cat /etc/docker/daemon.json',
      'runtime/daemon.json',
      String.raw`rl_dd=$(rl_pid dockerd)
rl_j=$(rl_flag "$rl_dd" config-file)
if [ -n "$rl_j" ]; then rl_j=$(rl_abs "$rl_dd" "$rl_j"); else rl_j=/etc/docker/daemon.json; fi
cat "$rl_j"`,
    ),
    small('cgroup-pids', 'kubepods pids cgroup files', 'head /sys/fs/cgroup/**/kubepods*/**/pids.{current,max,events}', 'cgroup/pids.txt', 'rl_cgroups pids.current pids.max pids.events'),
    small('cgroup-memory', 'kubepods memory cgroup files', 'head /sys/fs/cgroup/**/kubepods*/**/memory.{events,oom_control}', 'cgroup/memory.txt', 'rl_cgroups memory.events memory.oom_control'),
    small('cgroup-freezer', 'kubepods freezer cgroup files', 'head /sys/fs/cgroup/**/kubepods*/**/{freezer.state,cgroup.freeze}', 'cgroup/freezer.txt', 'rl_cgroups freezer.state cgroup.freeze'),
    small('df', 'space and inodes of /run and /tmp', 'df /run /tmp; df -i /run /tmp', 'system/df.txt', 'df /run /tmp\ndf -i /run /tmp'),
    small('namespaces', 'namespace limits', 'grep -H . /proc/sys/user/max_*_namespaces', 'system/namespaces.txt', 'grep -H . /proc/sys/user/max_*_namespaces'),
    small('uptime', 'uptime', 'uptime; cat /proc/uptime', 'system/uptime.txt', 'uptime\ncat /proc/uptime'),
    small('uname', 'kernel', 'uname -a', 'system/uname.txt', 'uname -a'),
    small('os-release', 'os-release', 'cat /etc/os-release', 'system/os-release', 'cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release'),
  ],
  // Markers of PEM private keys in configs or logs.
  blocks: [{ id: 'pem-private-key', why: 'a PEM private key', begin: '-----BEGIN [A-Z ]*PRIVATE KEY-----', end: '-----END [A-Z ]*PRIVATE KEY-----' }],
  lines: [
    {
      id: 'secret-flag',
      why: 'a flag whose name says it holds a secret (--token=…, --bootstrap-token …, --password=…)',
      pattern: '(--[a-z0-9-]*(token|password|passwd|secret|credential|api-key|key-data)[= ])[^ "\',]+',
      replace: '\\1<redacted>',
    },
    {
      id: 'secret-environment',
      why: 'an environment variable whose name says it holds a secret (AWS_SECRET_ACCESS_KEY=…, *_TOKEN=…)',
      pattern: '([A-Z0-9_]*(TOKEN|PASSWORD|PASSWD|SECRET|CREDENTIAL|API_KEY|PRIVATE_KEY|ACCESS_KEY)[A-Z0-9_]*=)[^ "\']+',
      replace: '\\1<redacted>',
    },
    {
      id: 'secret-key',
      why: 'a config key that holds a secret (YAML, JSON or TOML: token:, password =, "auth":, client-key-data:)',
      pattern: '(["\']?[A-Za-z_-]*([Tt]oken|[Pp]assword|[Pp]asswd|[Ss]ecret|[Aa]uth|client-key-data|[Pp]rivate[Kk]ey)["\']?[ ]*[:=][ ]*["\']?)[^ "\',}]+',
      replace: '\\1<redacted>',
    },
    { id: 'bearer', why: 'an HTTP bearer token (client-go at -v=8 and up prints request headers)', pattern: '([Bb]earer )[A-Za-z0-9._~+/=-]+', replace: '\\1<redacted>' },
    { id: 'url-password', why: 'a password in a URL (https://user:password@host, proxies)', pattern: '(://[^/:@ ]+:)[^/@ ]+@', replace: '\\1<redacted>@' },
    { id: 'bootstrap-token', why: 'a kubeadm bootstrap token (abcdef.0123456789abcdef)', pattern: '[a-z0-9]{6}[.][a-z0-9]{16}', replace: '<redacted>' },
    { id: 'pem-inline', why: 'a private key written on one line (\\n escaped in JSON)', pattern: '(PRIVATE KEY-----)[A-Za-z0-9+/=\\\\]+', replace: '\\1<redacted>' },
  ],
};

/** The bundle's top folder: `runtime-lens-<host>-<UTC time>`, the host made safe for a file name. */
export function bundleName(host: string, at: Date): string {
  const stamp = at.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  return `runtime-lens-${safeHost(host)}-${stamp}`;
}

export function safeHost(host: string): string {
  return host.replace(/[^A-Za-z0-9._-]/g, '_') || 'node';
}

/** `6h`, `30m`, `2d`, `90s`: the durations `--since` takes (journalctl reads them as `-6h`). */
export const SINCE = /^[1-9][0-9]{0,5}[smhd]$/;
