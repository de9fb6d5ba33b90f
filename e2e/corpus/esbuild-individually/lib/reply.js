'use strict';

// Shared by both handlers: esbuild bundles it into each function's zip.
exports.reply = (word) => ({ statusCode: 200, body: JSON.stringify({ message: word }) });
