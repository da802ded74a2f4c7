#!/usr/bin/env node
// The `nodevitals` command: report and top. All logic is in dist/ (built from src/).
require('../dist/cjs/main.js').main(process.argv.slice(2));
