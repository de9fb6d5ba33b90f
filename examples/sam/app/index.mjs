// The service the hook checks: a plain API Gateway (REST, payload 1.0) handler.
// With BROKEN=true its health check fails and its home page loses its text, so a deploy of
// that version is stopped by the hook before it gets any traffic. With BROKEN=after-traffic it
// passes those checks and its /status reports degraded: the post-traffic hook fails the
// deployment once traffic has moved, and CodeDeploy moves the alias back.

const broken = () => process.env.BROKEN === 'true';
const degraded = () => process.env.BROKEN === 'after-traffic';

export const handler = async (event) => {
  const path = event.path || '/';
  if (path === '/healthcheck') {
    return broken() ? json(500, { status: 'broken' }) : json(200, { status: 'ok' });
  }
  if (path === '/status') {
    if (broken()) return json(500, { status: 'broken' });
    return degraded() ? json(503, { status: 'degraded' }) : json(200, { status: 'ok' });
  }
  if (path === '/') {
    const text = broken() ? 'Under maintenance' : 'Welcome to our SAM site';
    return { statusCode: 200, headers: { 'content-type': 'text/html' }, body: `<h1>${text}</h1>` };
  }
  return json(404, { message: 'not found' });
};

const json = (statusCode, body) => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
