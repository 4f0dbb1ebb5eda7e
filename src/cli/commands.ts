/** A mistake in how the CLI was called, or input it cannot read: reported on stderr with exit code 2. */
export class UsageError extends Error {}

export type Command = (args: string[], out: (s: string) => void, err: (s: string) => void) => Promise<number>;
