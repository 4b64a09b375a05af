// A normalize worker that dies on its first request, as a worker thread killed by a crash (an out-of-memory abort,
// a native fault) would: for the pool's failure test.
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', () => process.exit(3));
