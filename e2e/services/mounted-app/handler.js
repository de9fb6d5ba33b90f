'use strict';

const serverless = require('serverless-http');
const { mount } = require('./app');

// The broken copies of the function are the same app under another base path (they share one
// API in serverless-offline).
const app = serverless(mount(process.env.BASE_PATH || '/base'));

module.exports.handler = async (event, context) => {
  if (process.env.BROKEN === 'throw') throw new Error('the new version cannot start: missing configuration');
  return app(event, context);
};
