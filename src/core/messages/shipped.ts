// The index and its schema as shipped: a module of their own so that index.ts can require it on first
// use (the bundles then evaluate the 2 MB literal only when an unclassified runtime error needs it).
import data from '../knowledge/messages.json';
import schema from '../knowledge/messages.schema.json';

export const shipped: { data: unknown; schema: object } = { data, schema };
