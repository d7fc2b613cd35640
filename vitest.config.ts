import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources in tests (the "source" export
// condition), so tests never run against a stale build.
const conditions = ['source', ...defaultServerConditions];

export default defineConfig({
  ssr: { resolve: { conditions } },
  test: {
    reporters: ['default', './tests/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'services/*/test/unit/**/*.test.ts',
            'packages/*/test/unit/**/*.test.ts',
            'scripts/**/*.test.ts',
            'tests/unit/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            'services/*/test/integration/**/*.test.ts',
            'tests/stack/**/*.test.ts',
            'tests/e2e/**/*.test.ts',
            'tests/contract/**/*.test.ts',
          ],
          globalSetup: ['./tests/support/test-stack.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Against the local Kubernetes cluster (`npm run test:cluster` starts and deploys it
        // first). One file at a time: the failure drills delete pods the other files talk to.
        extends: true,
        test: {
          name: 'cluster',
          include: ['tests/cluster/**/*.test.ts'],
          globalSetup: ['./tests/cluster/support/cluster-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
