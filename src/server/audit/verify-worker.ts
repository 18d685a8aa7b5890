// A verify worker (verify.ts starts them): checks each range of rows it is sent, in order, and answers with what it showed.
import { parentPort } from 'node:worker_threads';
import { checkRange, type RangeTask } from './chain';

parentPort!.on('message', (task: RangeTask) => parentPort!.postMessage(checkRange(task)));
