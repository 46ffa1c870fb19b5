export {
  createIceServers,
  type IceServer,
  type IceServers,
  type TurnCredentialSettings,
} from './credentials.ts';
export {
  type CoturnRenderOverrides,
  coturnConfigPath,
  coturnTemplatePath,
  renderCoturnConfig,
  writeCoturnConfig,
} from './render-coturn.ts';
