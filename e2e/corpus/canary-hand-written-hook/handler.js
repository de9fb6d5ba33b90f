'use strict';

// Stub: answers the HTTP route and accepts stream and SNS records.
exports.orders = async (event) => {
  if (event && event.httpMethod) return { statusCode: 200, body: JSON.stringify({ orders: [] }) };
  return { processed: (event && event.Records ? event.Records.length : 0) };
};
