'use strict';

const { route } = require('./router');

// Stub of the API: the model mounts an Express router behind serverless-http.
exports.api = async (event) => route(event.requestContext && event.requestContext.http ? event.requestContext.http : {});
