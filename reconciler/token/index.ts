export { TokenRotateRefused, rotateChallengeToken, withTokenSecret, type RotateOptions, type RotateResult } from './rotate.ts';
