// The product's identity comes from package.json so the extension, the CLI and the .vsix never disagree.
import { displayName, name, version } from '../../package.json';

export const product = { name, displayName, version } as const;
