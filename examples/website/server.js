'use strict';

// Runs the same request handler as a plain HTTP server: `node server.js`.
const http = require('node:http');
const { app } = require('./app');

const port = Number(process.env.PORT || 8080);
http.createServer(app).listen(port, '127.0.0.1', () => {
  console.log(`website listening on http://127.0.0.1:${port}`);
});
