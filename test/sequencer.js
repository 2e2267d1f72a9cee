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
 * Seconds each long file took in a full `npm test` (the integration and workflow files beside each other on 2 cores;
 * the simulations, run alone, are here for `npx jest` without arguments). What matters is their order.
 */
const KNOWN_SECONDS = {
  'test/integration/portalBrowser.test.ts': 100,
  'test/integration/tempLockCheckIns.test.ts': 100,
  'test/integration/gatewayGroups.test.ts': 45,
  'test/workflows/batchAssign.test.ts': 80,
  'test/integration/adminCli.test.ts': 75,
  'test/integration/batchAssign.test.ts': 75,
  'test/workflows/tempLock.workflow.test.ts': 75,
  'test/workflows/lockSimulation.test.ts': 70,
  'test/integration/gatewayRate.test.ts': 65,
  'test/integration/batchBrakes.test.ts': 65,
  'test/integration/batchResilience.test.ts': 60,
  'test/integration/strandedBatches.test.ts': 55,
  'test/integration/gracefulShutdown.test.ts': 50,
  'test/integration/batchFairness.test.ts': 35,
  'test/integration/tempLockWorkingHours.test.ts': 50,
  'test/workflows/batchSimulation.test.ts': 50,
  'test/integration/portalDeviceActions.test.ts': 40,
  'test/integration/workerMetrics.test.ts': 38,
  'test/integration/tempLockResilience.test.ts': 35,
  'test/integration/webhooks.test.ts': 30,
  'test/integration/tempLockCancel.test.ts': 30,
  'test/integration/storeRestart.test.ts': 28,
  'test/integration/inventoryUpload.test.ts': 28,
  'test/workflows/batchSchedule.test.ts': 28,
  'test/replay/histories.replay.test.ts': 26,
  'test/integration/portalWebhooks.test.ts': 25,
  'test/integration/tempLockEnd.test.ts': 24,
  'test/workflows/webhookDelivery.workflow.test.ts': 22,
  'test/integration/twoStores.test.ts': 20,
  'test/integration/inputCorpus.test.ts': 20,
  'test/integration/portalServing.test.ts': 18,
  'test/workflows/batchCalendar.test.ts': 16,
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
