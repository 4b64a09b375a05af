import pkg from '../../package.json' with { type: 'json' };

/** wirefeed's version, from package.json (bundled into the Lambda handlers by esbuild). */
export const VERSION: string = pkg.version;

export const USER_AGENT = `wirefeed/${VERSION}`;
