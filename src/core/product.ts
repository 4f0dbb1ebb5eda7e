// The product's identity comes from package.json so the extension, the CLI and the .vsix never disagree.
import { displayName, name, version } from '../../package.json';
import nls from '../../package.nls.json';

// package.json gives its display name as a %key% of package.nls.json, for VS Code to localise; the
// product's own name is the English one.
const key = /^%(.+)%$/.exec(displayName)?.[1];

export const product = { name, displayName: key ? ((nls as Record<string, string>)[key] ?? displayName) : displayName, version } as const;
