/**
 * Rules on the broker policy that the JSON Schema cannot say: a challenge's `jobs:` against the `broker:` block, the
 * workers and the networks it refers to. The figures below which a reference call is refused are the reference
 * SDK's defaults (`BrokerLimits`: 2 CPUs, 4g, 512 pids, a 900 s timeout): a per-job maximum under one of them would
 * refuse every unmodified call a reference challenge makes.
 */
import { formatImageRef, parseImageRef } from './image-ref.ts';
import { describeValue } from './problem.ts';
import { parseMemoryBytes, parseNanoCpus } from './resources.ts';
import type { Finding } from './semantic-checks.ts';
import { closestName } from './suggest.ts';
import type { PathSegment } from './yaml-source.ts';

/** What the reference SDK asks for when a challenge sets nothing. */
export const REFERENCE_SDK_JOB_DEFAULTS = { cpus: 2, memory: '4g', pids: 512, timeout_seconds: 900 } as const;
/** Users that are root inside the container. */
const ROOT_USERS = /^(0|root)(:[0-9]+)?$/;

type Dict = Record<string, unknown>;
const asDict = (value: unknown): Dict | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Dict) : undefined);
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const asNumber = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const quantity = (value: unknown): string | number | undefined => (typeof value === 'string' || typeof value === 'number' ? value : undefined);

interface WorkerView {
  workload: string | undefined;
  gpus: number;
  datasets: string[];
}

export function checkBrokerPolicy(findings: Finding[], root: Dict, environment: string | undefined): void {
  const broker = asDict(root.broker);
  const declaredDatasets = asList(broker?.datasets)
    .map((d) => asString(asDict(d)?.name))
    .filter((n): n is string => n !== undefined);
  const networks = asList(root.networks)
    .map((n) => asString(asDict(n)?.name))
    .filter((n): n is string => n !== undefined);
  const workers: WorkerView[] = asList(root.workers).map((w) => {
    const worker = asDict(w);
    return {
      workload: asString(worker?.workload),
      gpus: asNumber(worker?.gpus) ?? 0,
      datasets: asList(worker?.datasets).filter((d): d is string => typeof d === 'string'),
    };
  });

  if (broker) checkBrokerBlock(findings, broker, environment);
  asList(root.workers).forEach((w, index) => {
    asList(asDict(w)?.datasets).forEach((name, i) => {
      if (typeof name === 'string' && !declaredDatasets.includes(name)) {
        findings.push({ path: ['workers', index, 'datasets', i], message: unknownDataset(name, declaredDatasets), rule: 'broker-dataset-unknown' });
      }
    });
  });

  asList(root.challenges).forEach((item, index) => {
    const jobs = asDict(asDict(item)?.jobs);
    if (!jobs) return;
    const at = (...rest: PathSegment[]): PathSegment[] => ['challenges', index, 'jobs', ...rest];
    if (!broker) {
      findings.push({
        path: ['challenges', index, 'jobs'],
        target: 'key',
        message: 'found jobs: but no broker: block; a challenge can run evaluation jobs only through the broker (add broker: with its image)',
        rule: 'jobs-need-broker',
      });
    }
    checkJobImages(findings, jobs, at);
    checkPerJob(findings, asDict(jobs.per_job) ?? {}, broker, at, environment);
    checkQuotas(findings, jobs, broker, workers, at);
    checkJobNetwork(findings, jobs, networks, at);
    checkJobDatasets(findings, jobs, declaredDatasets, workers, at);
  });
}

function checkBrokerBlock(findings: Finding[], broker: Dict, environment: string | undefined): void {
  const seen = new Set<string>();
  asList(broker.datasets).forEach((d, index) => {
    const name = asString(asDict(d)?.name);
    if (name === undefined) return;
    if (seen.has(name)) {
      findings.push({ path: ['broker', 'datasets', index, 'name'], message: `found the dataset "${name}" again; expected each dataset name once`, rule: 'broker-dataset-unique' });
    }
    seen.add(name);
  });
  const defaults = asDict(broker.defaults) ?? {};
  checkSize(findings, defaults.memory, ['broker', 'defaults', 'memory']);
  checkCpus(findings, defaults.cpus, ['broker', 'defaults', 'cpus']);
  for (const [target, size] of Object.entries(asDict(defaults.tmpfs) ?? {})) checkSize(findings, size, ['broker', 'defaults', 'tmpfs', target]);
  checkSize(findings, asDict(broker.limits)?.max_request_bytes, ['broker', 'limits', 'max_request_bytes']);
  const user = asString(defaults.user);
  if (user !== undefined && environment === 'production' && ROOT_USERS.test(user)) {
    findings.push({ path: ['broker', 'defaults', 'user'], message: `found ${describeValue(user)}; production runs jobs as a non-root user (e.g. "65534:65534")`, rule: 'jobs-root-user-production' });
  }
}

function checkJobImages(findings: Finding[], jobs: Dict, at: (...rest: PathSegment[]) => PathSegment[]): void {
  asList(jobs.images).forEach((image, index) => {
    if (typeof image !== 'string' || image.length === 0) return;
    const ref = parseImageRef(image);
    if (!ref) {
      findings.push({ path: at('images', index), message: `found ${describeValue(image)}, expected an image repository like registry/namespace/name`, rule: 'jobs-image-repository' });
    } else if (ref.tag !== undefined || ref.digest !== undefined) {
      findings.push({
        path: at('images', index),
        message: `found ${describeValue(image)}, expected a repository without tag or digest (each run request names its tag and digest): "${formatImageRef({ ...(ref.registry ? { registry: ref.registry } : {}), repository: ref.repository })}"`,
        rule: 'jobs-image-repository',
      });
    }
  });
}

function checkPerJob(findings: Finding[], perJob: Dict, broker: Dict | undefined, at: (...rest: PathSegment[]) => PathSegment[], environment: string | undefined): void {
  const sdk = REFERENCE_SDK_JOB_DEFAULTS;
  const below = (field: string, found: unknown, sdkValue: string | number) =>
    findings.push({
      path: at('per_job', field),
      message: `found ${describeValue(found)}, below the reference SDK's default of ${describeValue(sdkValue)}; expected at least that, or every unmodified reference call is refused`,
      rule: 'jobs-maximum-below-sdk-default',
    });
  const cpus = checkCpus(findings, perJob.max_cpus, at('per_job', 'max_cpus'));
  if (cpus !== null && cpus < sdk.cpus * 1e9) below('max_cpus', perJob.max_cpus, sdk.cpus);
  const memory = checkSize(findings, perJob.max_memory, at('per_job', 'max_memory'));
  if (memory !== null && memory < (parseMemoryBytes(sdk.memory) ?? 0)) below('max_memory', perJob.max_memory, sdk.memory);
  const pids = asNumber(perJob.max_pids);
  if (pids !== undefined && pids < sdk.pids) below('max_pids', pids, sdk.pids);
  const timeout = asNumber(perJob.max_timeout_seconds);
  if (timeout !== undefined && timeout < sdk.timeout_seconds) below('max_timeout_seconds', timeout, sdk.timeout_seconds);
  for (const field of ['max_input_bytes', 'max_log_bytes', 'max_artifact_bytes']) checkSize(findings, perJob[field], at('per_job', field));

  // The broker's defaults fill a request that names nothing: above a challenge's maximum, such a request is refused.
  // The schema fills unset maxima with their defaults, so the value may come from the file or from the default.
  const defaults = asDict(broker?.defaults) ?? {};
  const exceeds = (field: string, defaultField: string, found: unknown, limit: unknown) =>
    findings.push({
      path: at('per_job', field),
      message: `is ${describeValue(limit)} (as set, or by default), below broker.defaults.${defaultField} (${describeValue(found)}); expected a maximum that admits the broker's own default`,
      rule: 'jobs-maximum-below-broker-default',
    });
  const sdkOr = (value: number | null, sdkValue: number): number => value ?? sdkValue;
  const effectiveCpus = sdkOr(cpus, sdk.cpus * 1e9);
  const effectiveMemory = sdkOr(memory, parseMemoryBytes(sdk.memory) ?? 0);
  const effectivePids = pids ?? sdk.pids;
  const effectiveTimeout = timeout ?? sdk.timeout_seconds;
  const defaultCpus = quantity(defaults.cpus);
  if (defaultCpus !== undefined && (parseNanoCpus(defaultCpus) ?? 0) > effectiveCpus) exceeds('max_cpus', 'cpus', defaultCpus, perJob.max_cpus ?? sdk.cpus);
  const defaultMemory = quantity(defaults.memory);
  if (defaultMemory !== undefined && (parseMemoryBytes(defaultMemory) ?? 0) > effectiveMemory) exceeds('max_memory', 'memory', defaultMemory, perJob.max_memory ?? sdk.memory);
  const defaultPids = asNumber(defaults.pids);
  if (defaultPids !== undefined && defaultPids > effectivePids) exceeds('max_pids', 'pids', defaultPids, effectivePids);
  const defaultTimeout = asNumber(defaults.timeout_seconds);
  if (defaultTimeout !== undefined && defaultTimeout > effectiveTimeout) exceeds('max_timeout_seconds', 'timeout_seconds', defaultTimeout, effectiveTimeout);

  if (environment === 'production') {
    asList(perJob.allow_users).forEach((user, index) => {
      if (typeof user === 'string' && ROOT_USERS.test(user)) {
        findings.push({ path: at('per_job', 'allow_users', index), message: `found ${describeValue(user)}; production runs jobs as a non-root user`, rule: 'jobs-root-user-production' });
      }
    });
  }
}

function checkQuotas(findings: Finding[], jobs: Dict, broker: Dict | undefined, workers: WorkerView[], at: (...rest: PathSegment[]) => PathSegment[]): void {
  const limits = asDict(broker?.limits) ?? {};
  const classes = asList(jobs.classes).filter((c): c is string => typeof c === 'string');
  const maxConcurrent = asNumber(jobs.max_concurrent);
  const globalConcurrent = asNumber(limits.max_concurrent);
  if (maxConcurrent !== undefined && globalConcurrent !== undefined && maxConcurrent > globalConcurrent) {
    findings.push({ path: at('max_concurrent'), message: `found ${maxConcurrent}, above broker.limits.max_concurrent (${globalConcurrent}); expected at most that`, rule: 'jobs-within-broker-limits' });
  }
  const maxGpus = asNumber(jobs.max_gpus) ?? 0;
  const globalGpus = asNumber(limits.max_concurrent_gpus);
  if (globalGpus !== undefined && maxGpus > globalGpus) {
    findings.push({ path: at('max_gpus'), message: `found ${maxGpus}, above broker.limits.max_concurrent_gpus (${globalGpus}); expected at most that`, rule: 'jobs-within-broker-limits' });
  }
  const perJobGpus = asNumber(asDict(jobs.per_job)?.max_gpus) ?? 0;
  if (perJobGpus > maxGpus) {
    findings.push({ path: at('per_job', 'max_gpus'), message: `found ${perJobGpus}, above this challenge's max_gpus (${maxGpus}); expected at most that`, rule: 'jobs-within-broker-limits' });
  }
  if (maxGpus > 0 && !classes.includes('gpu')) {
    findings.push({ path: at('max_gpus'), message: `found ${maxGpus} GPUs for a challenge whose classes are [${classes.join(', ')}]; expected classes to include gpu`, rule: 'jobs-gpu-class' });
  }
  if (maxGpus > 0) {
    const advertised = workers.filter((w) => w.workload === 'gpu').reduce((sum, w) => sum + w.gpus, 0);
    if (advertised === 0) {
      findings.push({
        path: at('max_gpus'),
        message: `found a GPU quota of ${maxGpus} but no worker with workload: gpu advertises GPUs; expected a gpu worker with gpus: N (its daemon's node-generic-resources)`,
        rule: 'jobs-gpu-needs-gpu-worker',
      });
    } else if (perJobGpus > Math.max(...workers.filter((w) => w.workload === 'gpu').map((w) => w.gpus))) {
      findings.push({ path: at('per_job', 'max_gpus'), message: `found ${perJobGpus}, more GPUs than any one gpu worker advertises; expected a run that fits one node`, rule: 'jobs-gpu-needs-gpu-worker' });
    }
  }
  classes.forEach((workload, index) => {
    if (workers.some((w) => w.workload === workload)) return;
    findings.push({
      path: at('classes', index),
      message: `found the class "${workload}" but no worker with workload: ${workload}; expected a worker of that class in workers:, or no run could ever be placed`,
      rule: 'jobs-class-without-worker',
    });
  });
}

function checkJobNetwork(findings: Finding[], jobs: Dict, networks: string[], at: (...rest: PathSegment[]) => PathSegment[]): void {
  const network = asString(jobs.network) ?? 'isolated';
  const egress = asString(jobs.egress_network);
  if (network === 'egress' && egress === undefined) {
    findings.push({ path: at('network'), message: 'found network: egress without egress_network; expected egress_network naming a network declared in networks:', rule: 'jobs-egress-network' });
  } else if (network === 'egress' && egress !== undefined && !networks.includes(egress)) {
    const suggestion = closestName(egress, networks);
    findings.push({
      path: at('egress_network'),
      message: `found "${egress}", which networks: does not declare${suggestion ? `; did you mean "${suggestion}"?` : `; expected one of ${networks.join(', ') || '(none declared)'}`}`,
      rule: 'jobs-egress-network',
    });
  } else if (network !== 'egress' && egress !== undefined) {
    findings.push({ path: at('egress_network'), target: 'key', message: `found egress_network with network: ${network}; expected network: egress, or no egress_network (isolated runs have no route out)`, rule: 'jobs-egress-network' });
  }
}

function checkJobDatasets(findings: Finding[], jobs: Dict, declared: string[], workers: WorkerView[], at: (...rest: PathSegment[]) => PathSegment[]): void {
  const classes = asList(jobs.classes).filter((c): c is string => typeof c === 'string');
  for (const [name, target] of Object.entries(asDict(jobs.datasets) ?? {})) {
    if (!declared.includes(name)) {
      findings.push({ path: at('datasets', name), target: 'key', message: unknownDataset(name, declared), rule: 'broker-dataset-unknown' });
      continue;
    }
    if (!workers.some((w) => w.workload !== undefined && classes.includes(w.workload) && w.datasets.includes(name))) {
      findings.push({
        path: at('datasets', name),
        target: 'key',
        message: `found the dataset "${name}", which no worker of the classes ${classes.join(', ')} carries; expected a worker with it in workers[].datasets, or no run mounting it could be placed`,
        rule: 'jobs-dataset-not-on-a-worker',
      });
    }
    if (target === '/data' || target === '/data/') {
      findings.push({ path: at('datasets', name), message: 'found /data; expected a target of its own (a read-only dataset mounted over /data would hide the run\'s work area)', rule: 'jobs-dataset-target' });
    }
  }
}

function unknownDataset(name: string, declared: string[]): string {
  const suggestion = closestName(name, declared);
  return `found the dataset "${name}", which broker.datasets does not declare${suggestion ? `; did you mean "${suggestion}"?` : `; expected one of ${declared.join(', ') || '(none declared)'}`}`;
}

function checkSize(findings: Finding[], value: unknown, path: PathSegment[]): number | null {
  const size = quantity(value);
  if (size === undefined) return null;
  const bytes = parseMemoryBytes(size);
  if (bytes === null || bytes <= 0) {
    findings.push({ path, message: `found ${describeValue(size)}, expected a size like 512m, 4g, 8MiB or a number of bytes above 0`, rule: 'broker-size' });
    return null;
  }
  return bytes;
}

function checkCpus(findings: Finding[], value: unknown, path: PathSegment[]): number | null {
  const cpus = quantity(value);
  if (cpus === undefined) return null;
  const nano = parseNanoCpus(cpus);
  if (nano === null || nano <= 0) {
    findings.push({ path, message: `found ${describeValue(cpus)}, expected a number of CPUs above 0 like 2 or 0.5`, rule: 'broker-cpus' });
    return null;
  }
  return nano;
}
