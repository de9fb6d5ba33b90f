'use strict';

// A plain Node.js request handler: the same code runs under `node server.js`
// and, wrapped by serverless-http, as the Lambda function.

// Read on every request rather than at load time so a redeployed version with
// BROKEN=true is the only difference between the healthy and the broken site.
const isBroken = () => process.env.BROKEN === 'true';
// BROKEN=after-traffic: a version that answers its pre-traffic checks and breaks only once it
// serves traffic, what the post-traffic check (`/status`) is there to catch.
const isDegraded = () => process.env.BROKEN === 'after-traffic';

const HOME_PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Example website</title></head>
  <body><h1>Welcome to our site</h1><p>Served by a Lambda function behind a pre-traffic check.</p></body>
</html>
`;

const BROKEN_HOME_PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Example website</title></head>
  <body></body>
</html>
`;

function send(res, status, contentType, body) {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

function app(req, res) {
  const { pathname } = new URL(req.url, 'http://localhost');

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(res, 405, 'application/json', JSON.stringify({ error: 'method not allowed' }));
  }
  if (pathname === '/healthcheck') {
    return isBroken()
      ? send(res, 500, 'application/json', JSON.stringify({ status: 'broken' }))
      : send(res, 200, 'application/json', JSON.stringify({ status: 'ok' }));
  }
  if (pathname === '/status') {
    if (isBroken()) return send(res, 500, 'application/json', JSON.stringify({ status: 'broken' }));
    return isDegraded()
      ? send(res, 503, 'application/json', JSON.stringify({ status: 'degraded' }))
      : send(res, 200, 'application/json', JSON.stringify({ status: 'ok' }));
  }
  if (pathname === '/') {
    return send(res, 200, 'text/html; charset=utf-8', isBroken() ? BROKEN_HOME_PAGE : HOME_PAGE);
  }
  return send(res, 404, 'application/json', JSON.stringify({ error: 'not found' }));
}

module.exports = { app };
