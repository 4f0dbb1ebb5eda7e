import type { FixOption } from './types';

/** The ways out of the race, with what each costs (../shared/incident.md, "The fix"). */
export const RACE_FIXES: FixOption[] = [
  {
    title: 'Upgrade runc to v1.0.0-rc91 or newer',
    how: 'Install a runc with PR #2467 ("Write state.json atomically"): runc ≥ v1.0.0-rc91, or the Docker / containerd.io package that bundles one (Docker ≥ 20.10 with containerd.io ≥ 1.3.9 ships runc ≥ rc92). Drain the node, upgrade, restart dockerd/containerd.',
    tradeoffs: 'Fixes the cause. A runtime upgrade needs a node drain and a maintenance window, and must be validated with your distribution\'s packages.',
  },
  {
    title: 'Set the kubelet cpu-manager policy to none',
    how: 'Set cpuManagerPolicy: none in /var/lib/kubelet/config.yaml (or --cpu-manager-policy=none), remove /var/lib/kubelet/cpu_manager_state, restart the kubelet.',
    tradeoffs: 'Stops the periodic runc update at once. Guaranteed pods lose their exclusive CPUs: latency-sensitive workloads may suffer.',
  },
  {
    title: 'Upgrade the kubelet to 1.22 or newer',
    how: 'Kubernetes PR #101771 makes the cpu-manager call UpdateContainerResources only when a container\'s CPU set really changes.',
    tradeoffs: 'Narrows the window instead of closing it; still combine with a fixed runc.',
  },
  {
    title: 'Meanwhile: make the probes tolerate a single failure',
    how: 'Raise failureThreshold (or use an HTTP/TCP probe instead of exec) for the affected workloads.',
    tradeoffs: 'Hides the noise, not the cause; real failures are noticed later.',
  },
];
