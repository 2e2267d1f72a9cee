// Prints the OpenAPI document of /v1 (src/platform/openapi/document.ts) as JSON, for the linter and the type generator.
// TypeScript's own transpiler loads the module (type-only imports vanish), so no build or ts runner is needed.
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};

const { openApiDocument } = require('../src/platform/openapi/document.ts');
process.stdout.write(JSON.stringify(openApiDocument, null, 2) + '\n');
