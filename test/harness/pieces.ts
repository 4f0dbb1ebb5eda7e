/**
 * Pushes `bytes` to a streaming reader in pieces of `size` bytes. With `garbage`, every piece comes from
 * one buffer that is overwritten with `garbage` after each push, as `openRaw` reuses its read buffers: a
 * reader that kept any of a piece without copying it then reads garbage, and its output differs.
 */
export function pushInPieces(bytes: Buffer, size: number, push: (piece: Buffer) => void, garbage?: string): void {
  const shared = Buffer.alloc(size);
  for (let at = 0; at < bytes.length; at += size) {
    const piece = bytes.subarray(at, at + size);
    if (garbage === undefined) push(piece);
    else {
      piece.copy(shared);
      push(shared.subarray(0, piece.length));
      shared.fill(garbage);
    }
  }
}
