/**
 * The gateway's modules, imported through its package exports (`@mailroute/example-gateway`,
 * `/config-load`, `/status-file`), as a program that embeds it would import them.
 */

import * as gateway from '@mailroute/example-gateway';
import * as config from '@mailroute/example-gateway/config-load';
import * as status from '@mailroute/example-gateway/status-file';

/** The gateway's config loader, gateway and status modules. */
export async function gatewayModules(): Promise<{
  config: typeof config;
  gateway: typeof gateway;
  status: typeof status;
}> {
  return { config, gateway, status };
}
