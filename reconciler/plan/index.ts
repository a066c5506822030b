export * from './model.ts';
export { compile, masterServiceName, type CompileOptions } from './compile.ts';
export { plan, orderChanges, planHash, liveFingerprint, rollsTasks, type PlanOptions } from './plan.ts';
export { MassDeleteRefusedError, DEFAULT_MAX_DELETES } from './guard.ts';
export { secretNamesFromLive } from './live-secrets.ts';
export { liveStateFromIntents } from './synthetic-live.ts';
