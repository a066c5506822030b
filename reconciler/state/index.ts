export {
  DEFAULT_STATE_DIR,
  STATE_DIR_ENV,
  StateDir,
  challengeTokenSecretName,
  contentHash12,
  masterSigningKeySecretName,
  openStateDir,
  resolveStateDir,
} from './state-dir.ts';
