'use strict';

const json = (statusCode, body) => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

exports.route = ({ method, path }) => {
  if (method === 'GET' && path === '/api/users') return json(200, { users: [] });
  return json(404, { message: 'not found' });
};
