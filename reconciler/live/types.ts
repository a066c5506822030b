/**
 * Live Swarm state as the Docker Engine API returns it (raw inspect JSON, only the members the planner reads are
 * typed). Observing fills it; the planner only reads it; `--against` builds one from intents.
 */
import type Docker from 'dockerode';

export interface SwarmVersion {
  Index?: number;
}

export interface RawService {
  ID: string;
  Version?: SwarmVersion;
  Spec: Docker.ServiceSpec;
  [key: string]: unknown;
}

export interface RawNetwork {
  Id: string;
  Name: string;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
  [key: string]: unknown;
}

export interface RawVolume {
  Name: string;
  Driver?: string;
  Labels?: Record<string, string> | null;
  [key: string]: unknown;
}

export interface RawSecret {
  ID: string;
  Version?: SwarmVersion;
  Spec: { Name: string; Labels?: Record<string, string> | null; [key: string]: unknown };
  [key: string]: unknown;
}

export interface RawNode {
  ID: string;
  Version?: SwarmVersion;
  Spec: { Labels?: Record<string, string> | null; Role?: string; Availability?: string; [key: string]: unknown };
  Description?: { Hostname?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface LiveState {
  services: RawService[];
  /** Swarm-scoped networks only. */
  networks: RawNetwork[];
  volumes: RawVolume[];
  /** Metadata only: the Engine API never returns secret values. */
  secrets: RawSecret[];
  nodes: RawNode[];
}

export function emptyLiveState(): LiveState {
  return { services: [], networks: [], volumes: [], secrets: [], nodes: [] };
}
