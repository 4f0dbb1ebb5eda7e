import type { Scenario } from '../reproduce/types';

/** The command a user runs on the node to confirm a cause with its own runc (see `runtime-lens reproduce`). */
export function reproduceCommand(scenario: Scenario): string {
  return `sudo npx runtime-lens reproduce --scenario ${scenario} --attempts 300`;
}
