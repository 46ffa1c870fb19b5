export {
  createIceServers,
  type IceServer,
  type IceServers,
  type TurnCredentialSettings,
} from './credentials.ts';
export { type EmbeddedCoturn, type EmbeddedCoturnLog, startEmbeddedCoturn } from './embedded-coturn.ts';
export {
  type CoturnRenderOverrides,
  coturnConfigPath,
  coturnTemplatePath,
  renderCoturnConfig,
  writeCoturnConfig,
} from './render-coturn.ts';
export { stunBindingAnswered } from './stun-probe.ts';
