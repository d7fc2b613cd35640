import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one plain closing line, `Tests: N passed, N failed`, after vitest's own summary, so that
 * tools which read a test run's last line (CI among them) see how many tests ran; files that failed
 * without a failing test (an import error, a failing `beforeAll`) are counted too, since none of
 * their tests is.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let brokenFiles = 0;
    for (const module of testModules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      failed += failedHere;
      // a file that failed without a failed test never ran its tests (an import or a hook failed)
      if (module.state() === 'failed' && failedHere === 0) brokenFiles++;
    }
    const tail = [
      skipped > 0 ? `, ${skipped} skipped` : '',
      brokenFiles > 0 ? `, ${brokenFiles} test files failed before or around their tests` : '',
    ].join('');
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed${tail}\n`);
  }
}
