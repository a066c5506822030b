export { DesiredStateCache, ReconcileLoop, driftCheck, reconcileOnce, type DriftCheck, type LoopOptions, type PassResult, type ReconcileOptions } from './reconcile-loop.ts';
export { pollGitUpstream, type GitPollOutcome } from './git-poll.ts';
