import { parse } from './upload';

// Stub: validates the upload and answers; the model writes it to S3 and invokes computeDelta.
export const main = async (event: { body?: string }) => {
  const upload = parse(event.body);
  return { statusCode: 200, body: JSON.stringify({ municipality: upload.municipality, features: upload.features.length }) };
};
