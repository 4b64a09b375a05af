// Starts the normalize worker from the TypeScript sources (a checkout without dist/, or the tests): a worker thread
// does not inherit the main thread's tsx loader, so it registers its own before importing the entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
