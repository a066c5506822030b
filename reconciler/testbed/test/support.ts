// Shared pieces of the test bed's integration tests (not a test itself).
import type Docker from 'dockerode';
import { StopWaiting, waitUntil } from '../test-objects.ts';

/** An HTTP server for the base image: answers every request with `$MESSAGE from <hostname>`. */
export const ECHO_SERVER_JS = `
const http = require('node:http');
const os = require('node:os');
const port = Number(process.env.PORT || 8080);
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end((process.env.MESSAGE || 'hello') + ' from ' + os.hostname());
}).listen(port, () => console.log('listening on ' + port));
`;

/** Waits until one task of `service` is in `state`; fails fast when a task fails or is rejected. */
export async function waitForTaskState(docker: Docker, service: string, state: 'running' | 'complete', timeoutMs = 90_000): Promise<TaskInfo> {
  return waitUntil(`a task of service ${service} to be ${state}`, async () => {
    const tasks = (await docker.listTasks({ filters: JSON.stringify({ service: [service] }) })) as TaskInfo[];
    const bad = tasks.find((task) => ['failed', 'rejected'].includes(task.Status?.State ?? ''));
    if (bad) throw new StopWaiting(`task ${bad.ID} of ${service} is ${bad.Status?.State}: ${bad.Status?.Err ?? 'no error message'}`);
    return tasks.find((task) => task.Status?.State === state);
  }, timeoutMs);
}

export interface TaskInfo {
  ID: string;
  NodeID?: string;
  Spec?: { ContainerSpec?: { Image?: string } };
  Status?: { State?: string; Err?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
}
