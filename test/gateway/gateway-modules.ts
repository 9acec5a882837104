/**
 * The gateway's modules, loaded from its build output. examples/gateway is a program, not a
 * package with an exports map, so the tests import its compiled files by URL (the types come
 * from the referenced project; type-only imports leave no path behind at run time).
 */
type ConfigLoad = typeof import('../../examples/gateway/src/config-load.js');
type GatewayModule = typeof import('../../examples/gateway/src/gateway.js');
type StatusFile = typeof import('../../examples/gateway/src/status-file.js');

const BASE = new URL('../../../examples/gateway/dist/src/', import.meta.url);

/** Imports the gateway's config loader, gateway and status modules. */
export async function gatewayModules(): Promise<{
  config: ConfigLoad;
  gateway: GatewayModule;
  status: StatusFile;
}> {
  const [config, gateway, status] = await Promise.all([
    import(new URL('config-load.js', BASE).href) as Promise<ConfigLoad>,
    import(new URL('gateway.js', BASE).href) as Promise<GatewayModule>,
    import(new URL('status-file.js', BASE).href) as Promise<StatusFile>,
  ]);
  return { config, gateway, status };
}
