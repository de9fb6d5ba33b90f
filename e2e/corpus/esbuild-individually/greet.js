'use strict';

const { reply } = require('./lib/reply');

exports.handler = async () => reply('hello');
