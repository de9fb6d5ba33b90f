'use strict';

// A handler behind `integration: lambda`: it reads the mapped request and returns an object,
// which API Gateway sends as the JSON body of a 200. `[404]` in an error's message is how the
// framework's default response patterns turn it into a 404.

const USERS = { 1: { id: '1', name: 'Ada' } };

module.exports.getUser = async (event) => {
  const id = process.env.BROKEN === 'true' ? event.pathParameters.id : event.path.id;
  const user = USERS[id];
  if (!user) throw new Error(`[404] no user ${id}`);
  return { ...user, requestPath: event.requestPath, method: event.method };
};
