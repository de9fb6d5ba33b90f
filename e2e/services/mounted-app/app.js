'use strict';

// A small router in the style of Express: routes mounted under a base path, anything else a
// 404 ("Cannot GET /path"), errors a 500 from the error handler.

const USERS = { 1: { id: '1', name: 'Ada' } };

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const routes = [
  ['GET', /^\/$/, (req, res) => send(res, 200, { service: 'mounted' })],
  ['GET', /^\/users\/([^/]+)$/, (req, res, id) => (USERS[id] ? send(res, 200, USERS[id]) : send(res, 404, { error: `no user ${id}` }))],
];

function mount(base) {
  return (req, res) => {
    const { pathname } = new URL(req.url, 'http://localhost');
    try {
      if (process.env.BROKEN === '500') throw new Error('database unreachable');
      const local = pathname.startsWith(`${base}/`) ? pathname.slice(base.length) : pathname === base ? '/' : null;
      for (const [method, pattern, handle] of routes) {
        const match = local !== null && req.method === method && pattern.exec(local);
        if (match) return handle(req, res, ...match.slice(1));
      }
      return send(res, 404, { error: `Cannot ${req.method} ${pathname}` });
    } catch (error) {
      return send(res, 500, { error: error.message });
    }
  };
}

module.exports = { mount };
