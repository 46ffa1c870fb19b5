// Recordings encrypted at rest: a sealed file per recording (and per track while recording), each under its own
// data key wrapped by a configured master key. Format and rotation: docs/recording.md.
export { openSealedFile, rewrapSealedFile, sealToFile, verifySealedFile } from './files.ts';
export { Keyring, KeyringError, type MasterKeys, newMasterKey } from './keyring.ts';
export {
  CHUNK_BYTES,
  MAGIC,
  OpenStream,
  SealedFileError,
  type SealedFileErrorCode,
  SealStream,
} from './sealed-format.ts';
