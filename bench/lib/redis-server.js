import { existsSync } from 'node:fs';
import net from 'node:net';
import { execa } from 'execa';
import { waitFor } from './clock.js';

/** Asks the OS for a free TCP port on 127.0.0.1. */
async function findFreePort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One PING over a raw socket; true on +PONG. */
function ping(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (answer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

function findBinary() {
  if (process.env.BENCH_REDIS_SERVER) {
    return process.env.BENCH_REDIS_SERVER;
  }
  return existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';
}

/**
 * Start a throwaway redis-server on a free 127.0.0.1 port with its dir in `dir` and no
 * persistence. Returns its URL and an idempotent stop().
 */
export async function startRedisServer(dir) {
  const binary = findBinary();
  let lastError;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await findFreePort();
    const subprocess = execa(
      binary,
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
        ...['--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'],
      ],
      { reject: false, stdin: 'ignore', all: true, cleanup: true },
    );
    let exited = false;
    void subprocess.then(() => {
      exited = true;
    });
    try {
      await waitFor(async () => (exited ? Promise.reject(new Error('redis-server exited')) : ping(port)), {
        timeoutMs: 10_000,
        intervalMs: 50,
        message: `redis-server on port ${port} did not answer PING`,
      });
    } catch (error) {
      subprocess.kill('SIGKILL');
      const result = await subprocess;
      lastError = new Error(`${error.message}\n${String(result.all ?? '')}`);
      continue;
    }
    let stopping = null;
    const stop = () => {
      stopping ??= (async () => {
        if (!exited) {
          subprocess.kill('SIGTERM');
          const timer = setTimeout(() => subprocess.kill('SIGKILL'), 3000);
          await subprocess;
          clearTimeout(timer);
        }
      })();
      return stopping;
    };
    return { url: `redis://127.0.0.1:${port}`, port, stop };
  }
  throw lastError;
}
