// Lets a plain `node -r ./scripts/ts-register.cjs file.ts` run the TypeScript
// sources directly (child-process tests, doc generation) with the same swc
// transform jest uses, and maps the ESM-style './x.js' imports to './x.ts'.
const { readFileSync, existsSync } = require('node:fs');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (parent && /^\.{1,2}\//.test(request) && request.endsWith('.js')) {
    const candidate = require('node:path').resolve(require('node:path').dirname(parent.filename), request.slice(0, -3) + '.ts');
    if (existsSync(candidate)) return candidate;
  }
  return resolve.call(this, request, parent, ...rest);
};

require.extensions['.ts'] = function (module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022', transform: { useDefineForClassFields: true } },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
