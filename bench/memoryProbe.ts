// Preloaded into the API child by bench:auth (NODE_OPTIONS=--require): on SIGUSR2 it runs a full
// garbage collection and writes the process's memory to $BENCH_MEMORY_FILE, so the benchmark compares
// live memory rather than garbage V8 has not collected yet. Never part of the product.
import { writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose_gc');
const collectGarbage = runInNewContext('gc') as () => void;
let sequence = 0;

process.on('SIGUSR2', () => {
  collectGarbage();
  const { rss, heapUsed, heapTotal } = process.memoryUsage();
  sequence += 1;
  writeFileSync(process.env.BENCH_MEMORY_FILE!, JSON.stringify({ sequence, rss, heapUsed, heapTotal }));
});
