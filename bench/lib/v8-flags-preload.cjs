/**
 * Sets V8 flags that Node refuses in NODE_OPTIONS (--trace-gc, --trace-pretenuring,
 * --no-allocation-site-pretenuring, ...) in a bench stack's service, for investigations. The stack
 * starts services in the repository's root and passes STACK_<SERVICE>_<NAME> to them as <NAME>:
 *
 *   STACK_AUTH_V8_FLAGS="--trace-gc --trace-pretenuring" \
 *   STACK_AUTH_NODE_OPTIONS="--max-old-space-size=128 --max-semi-space-size=8 --require ./bench/lib/v8-flags-preload.cjs" \
 *   npm run bench -- scale
 *
 * The traces go to the service's log (.stack/bench/logs/). The runs of 2026-12-05 used one-line
 * preloads in /tmp that set the flags docs/benchmarks.md names for each; this is the same call.
 */
const { setFlagsFromString } = require('node:v8');

for (const flag of (process.env.V8_FLAGS ?? '').split(/\s+/).filter(Boolean)) {
  setFlagsFromString(flag);
}
