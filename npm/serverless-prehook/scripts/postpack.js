'use strict';

// `npm pack` / `npm publish` hook: puts back the package.json that scripts/prepack.js saved
// before it added the platform packages as optionalDependencies for the packed copy.

const fs = require('fs');
const path = require('path');

const packageDir = path.join(__dirname, '..');
const saved = path.join(packageDir, 'package.json.prepack');
if (fs.existsSync(saved)) fs.renameSync(saved, path.join(packageDir, 'package.json'));
