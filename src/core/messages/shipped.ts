// The index's schema, a module of its own so that index.ts requires it only when the index is checked
// (the index itself is read from disk: see loadMessageIndex).
import schema from '../knowledge/messages.schema.json';

export const shipped: { schema: object } = { schema };
