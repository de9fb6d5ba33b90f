'use strict';

// A background worker: it runs on a schedule and on queue messages, never behind HTTP.
// `{ "ping": true }` is its health probe: it answers "pong" once the worker can do its job
// (here: its configuration is sane), which is what serverless-prehook checks before CodeDeploy
// lets the new version take the traffic.

function configurationProblem(env) {
  if (env.BROKEN === 'true') return 'BROKEN=true: this version was deployed broken on purpose';
  const batch = Number(env.BATCH_SIZE || '10');
  if (!Number.isInteger(batch) || batch < 1) return `BATCH_SIZE must be a positive whole number, got ${env.BATCH_SIZE}`;
  return null;
}

async function handler(event, _context, env = process.env) {
  const problem = configurationProblem(env);
  if (event && event.ping === true) {
    if (problem) throw new Error(problem);
    return 'pong';
  }
  if (problem) throw new Error(problem);
  const records = Array.isArray(event && event.Records) ? event.Records : [];
  const jobs = records.map((record) => JSON.parse(record.body || '{}'));
  for (const job of jobs) console.log(JSON.stringify({ msg: 'job done', id: job.id ?? null }));
  return { processed: jobs.length };
}

module.exports = { handler, configurationProblem };
