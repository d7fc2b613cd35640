/**
 * V8 settings of the auth process that `NODE_OPTIONS` cannot carry (Node refuses most V8 flags
 * there), set as the process starts: main.ts imports this module before anything else, so no
 * request runs before them.
 *
 * Allocation-site pretenuring is off. V8 allocates the objects of a site (an object or array
 * literal) whose objects mostly survive their first collections straight into the old generation.
 * While a busy gateway warms up, nearly everything survives (the caches fill with every session's
 * claims and state), and V8 tenured sites then; in eight of nine scale benchmark runs it went on
 * doing so once the caches were full: about 2 KB a check reached the old generation, a full
 * collection ran every 0.6 s, and with 100,000 cached sessions to mark each time `/verify` cost
 * about 105 µs of CPU a check instead of 60-65. Without pretenuring (six runs of six) the old
 * generation stays flat after the warm-up (`--trace-gc`; docs/benchmarks.md, "Collections and
 * pretenuring"); objects that do live long are copied once more by the young generation's
 * collector, which is cheap.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');
