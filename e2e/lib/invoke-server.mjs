// A local Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`) for one Node.js
// handler module: enough for the hook to check a SAM example's function offline, the way
// serverless-offline serves a Serverless service. Prints its ephemeral port, then serves
// until killed. Usage: node invoke-server.mjs HANDLER_MODULE [EXPORT]

import http from 'node:http';
import { pathToFileURL } from 'node:url';

const [modulePath, exportName = 'handler'] = process.argv.slice(2);
const handler = (await import(pathToFileURL(modulePath).href))[exportName];

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const version = new URL(req.url, 'http://localhost').searchParams.get('Qualifier') || '$LATEST';
    try {
      const output = await handler(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'), {});
      res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': version });
      res.end(JSON.stringify(output ?? null));
    } catch (error) {
      // How Lambda reports a function error: status 200 and X-Amz-Function-Error.
      res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': version });
      res.end(JSON.stringify({ errorType: error.name, errorMessage: error.message }));
    }
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
