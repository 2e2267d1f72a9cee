// The order jest starts test files in: the longest first, so the last file to start is a short one and no worker
// sits idle at the end while one long file finishes (the critical path). Jest's own order uses the durations of the
// previous run from its cache and, without one (a fresh clone, CI), file size, which started the longest files last
// there. So the durations of the long files are written down below (seconds, from `jest --ci` on these 2-core
// machines); a duration in jest's cache (this machine's last run) takes precedence, and a file in neither list is
// taken as a short one. Update the list when a file becomes one of the long ones.
// Jest's own sequencer (installed with jest): its cache of durations and its shard().
const Sequencer = require('@jest/test-sequencer').default;
const { relative } = require('node:path');

/**
 * Seconds each long file took in a full `npm test` (every file, five at a time on 2 cores, 2026-12-07). What matters
 * is their order.
 */
const KNOWN_SECONDS = {
  'test/scale/tempLockCheckIns.test.ts': 109,
  'test/integration/portalBrowser.test.ts': 74,
  'test/workflows/batchAssign.test.ts': 70,
  'test/scale/batchFairness.test.ts': 64,
  'test/integration/tempLockWorkingHours.test.ts': 50,
  'test/workflows/lockSimulation.test.ts': 42,
  'test/workflows/tempLock.workflow.test.ts': 40,
  'test/workflows/batchSimulation.test.ts': 40,
  'test/integration/adminCli.test.ts': 39,
  'test/scale/gatewayGroups.test.ts': 37,
  'test/integration/tempLockCancel.test.ts': 36,
  'test/scale/gatewayRate.test.ts': 34,
  'test/integration/batchResilience.test.ts': 33,
  'test/integration/batchBrakes.test.ts': 30,
  'test/integration/storeRestart.test.ts': 28,
  'test/integration/tempLockResilience.test.ts': 27,
  'test/integration/strandedBatches.test.ts': 25,
  'test/integration/webhooks.test.ts': 25,
  'test/integration/batchAssign.test.ts': 22,
  'test/integration/gracefulShutdown.test.ts': 22,
  'test/workflows/batchSchedule.test.ts': 21,
  'test/integration/tempLockEnd.test.ts': 20,
  'test/integration/portalDeviceActions.test.ts': 16,
  'test/integration/workerMetrics.test.ts': 14,
  'test/integration/inputCorpus.test.ts': 13,
  'test/replay/histories.replay.test.ts': 13,
  'test/integration/batchPreview.test.ts': 11,
  'test/integration/requestIds.test.ts': 10,
  'test/workflows/batchCalendar.test.ts': 10,
  'test/integration/tempLock.test.ts': 10,
};

class LongestFirstSequencer extends Sequencer {
  sort(tests) {
    const seconds = (test) => {
      const cached = this.time(test);
      if (cached != null) return cached / 1000;
      return KNOWN_SECONDS[relative(test.context.config.rootDir, test.path).split('\\').join('/')] ?? 0;
    };
    for (const test of tests) test.duration = seconds(test) * 1000;
    // Equal estimates (the short files): the larger file first, as jest does, then by path, for a stable order.
    return [...tests].sort(
      (a, b) =>
        b.duration - a.duration ||
        (b.context.hasteFS.getSize(b.path) ?? 0) - (a.context.hasteFS.getSize(a.path) ?? 0) ||
        (a.path < b.path ? -1 : 1),
    );
  }
}

module.exports = LongestFirstSequencer;
