import type { Command } from 'commander';
import * as apply from './apply.ts';
import * as broker from './broker.ts';
import * as challenge from './challenge.ts';
import * as images from './images.ts';
import * as pin from './pin.ts';
import * as plan from './plan.ts';
import * as reconcile from './reconcile.ts';
import * as serve from './serve.ts';
import * as submitter from './submitter.ts';
import * as token from './token.ts';
import * as validate from './validate.ts';
import * as volume from './volume.ts';
import * as weights from './weights.ts';
import * as worker from './worker.ts';

/** A CLI command: one module per top-level command, each registering its own options and `--help`. */
export interface CommandModule {
  register(program: Command): void;
}

// One import per command module; keep the list sorted.
export const commandModules: CommandModule[] = [apply, broker, challenge, images, pin, plan, reconcile, serve, submitter, token, validate, volume, weights, worker];
