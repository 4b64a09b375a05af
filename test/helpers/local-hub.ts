/** The output directory served over loopback with the built-in hub at `/hub`, as `npm start` serves it. */
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { type RunningServer, serveDirectory } from '../../functions/adapters/http-server.ts';
import type { LocalHubOptions as HubOptions } from '../../functions/cli/local-hub.ts';
import { localHubRoutes } from '../../functions/cli/local-hub.ts';
import type { ObjectStore } from '../../functions/core/ports.ts';
import type { Workspace } from './workspace.ts';

export interface LocalHubOptions {
  readonly state: ObjectStore;
  readonly queue: HubOptions['queue'];
  /** Callbacks on 127.0.0.1 are what the tests' subscribers listen on; false checks the SSRF guard. */
  readonly allowPrivateTargets?: boolean;
}

export function serveWithLocalHub(
  ws: Workspace,
  { state, queue, allowPrivateTargets = true }: LocalHubOptions,
): Promise<RunningServer> {
  return serveDirectory(ws.outDir, {
    port: 0,
    routes: localHubRoutes({
      content: new FsStore(ws.contentDir),
      siteUrl: () => undefined,
      state,
      queue,
      clock: ws.clock,
      allowPrivateTargets,
    }),
  });
}
