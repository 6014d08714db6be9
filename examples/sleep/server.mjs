// Sleeps ?ms= milliseconds (default 100) and answers with how long it slept. Listens on HOST:PORT.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const ms = Number(new URL(req.url ?? '/', 'http://localhost').searchParams.get('ms') ?? 100);
  req.resume();
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ sleptMs: ms, pid: process.pid }));
  }, ms);
});
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
