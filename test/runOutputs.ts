// dist-test/ (git-ignored): what test runs build — the entry points, the portal, the workflow bundle — and their marks.
import { join } from 'node:path';

export const RUN_OUTPUTS = join(__dirname, '..', 'dist-test');
