export {
  VolumePurgeRefused,
  checkSlug,
  describeChallengeVolume,
  describeVolumeText,
  formatBytes,
  purgeChallengeVolume,
  type ChallengeVolume,
  type VolumeUser,
} from './purge.ts';
