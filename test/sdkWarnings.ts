// For each test file of the suites that run workers (jest's setupFilesAfterEnv): the warnings a test expected end
// with it, and after the file's tests, one line that counts the SDK's timing warnings its workers logged, by kind
// (test/sdkRuntime.ts), instead of each warning as it came.
import { setCurrentTestFile, stopExpectedSdkWarnings, takeTimingWarningCounts } from './sdkRuntime';

beforeAll(() => setCurrentTestFile(expect.getState().testPath));
afterEach(() => stopExpectedSdkWarnings());

afterAll(() => {
  const lines = takeTimingWarningCounts();
  setCurrentTestFile(undefined);
  if (lines.length === 0) return;
  process.stderr.write(
    `[sdk] ${expect.getState().testPath?.split('/').pop()}: the worker's timing warnings (a loaded machine, or workflows a test ` +
      `ended under running activities), counted rather than printed: ${lines.join('; ')}. DO_TEST_PRINT_ALL_WARNINGS=1 prints each.\n`,
  );
});
