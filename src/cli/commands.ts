/** A mistake in how the CLI was called, or input it cannot read: reported on stderr with exit code 2. */
export class UsageError extends Error {}

/**
 * Where a command writes: text, or UTF-8 bytes cut between characters (a large document made as bytes). `drained`, when given, resolves once what was written has been taken (a pipe's
 * reader caught up, and bytes handed over may be written over): a command writing a large document waits for it between pieces, so a slow reader
 * (`| jq`) holds the command back instead of the document piling up in memory, and its buffers are reused.
 */
export type Output = ((s: string | Uint8Array) => void) & { drained?: () => Promise<void> };

export type Command = (args: string[], out: Output, err: (s: string) => void) => Promise<number>;
