import { now, sleep } from './clock.js';

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

export function isTerminalStatus(status) {
  return TERMINAL.has(status);
}

/** Drives the in-process daemon over HTTP; reads the run's internal fields straight from Redis. */
export class TrcClient {
  constructor({ baseUrl, redis, keyPrefix }) {
    this.baseUrl = baseUrl;
    this.redis = redis;
    this.keyPrefix = keyPrefix;
  }

  async request(method, urlPath, body) {
    const response = await fetch(`${this.baseUrl}${urlPath}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answeredAt = now();
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = { raw: text };
    }
    return { status: response.status, json, answeredAt };
  }

  /** POST /api/v1/runs; throws unless 202. Returns the run and when the POST was sent. */
  async startRun(body) {
    const sentAt = now();
    const answer = await this.request('POST', '/api/v1/runs', body);
    if (answer.status !== 202) {
      throw new Error(`POST /api/v1/runs answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    }
    return { run: answer.json.run, sentAt, answeredAt: answer.answeredAt };
  }

  /** POST pause|resume|cancel; returns status, body and send/answer times (no throw on 409). */
  async control(runId, action) {
    const sentAt = now();
    const answer = await this.request('POST', `/api/v1/runs/${runId}/${action}`);
    return { ...answer, sentAt };
  }

  async getRun(runId) {
    const answer = await this.request('GET', `/api/v1/runs/${runId}`);
    if (answer.status !== 200) {
      throw new Error(`GET run ${runId} answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    }
    return answer.json.run;
  }

  async getTests(runId) {
    const answer = await this.request('GET', `/api/v1/runs/${runId}/tests`);
    return answer.json?.tests ?? [];
  }

  /** One field of the run hash `<prefix>:run:<runId>` (internal fields such as exitedAt included). */
  readRunField(runId, field) {
    return this.redis.hget(`${this.keyPrefix}:run:${runId}`, field);
  }

  /**
   * Wait for a terminal status. Polls the run hash cheaply (HGET, every 100 ms) until the child
   * has exited, then GET /runs/:id every 5 ms, so `terminalAt` is within ~5 ms of the change
   * without the polling itself loading the daemon for the whole run.
   */
  async waitForTerminal(runId, { timeoutMs = 300_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [exitedAt, status] = await this.redis.hmget(
        `${this.keyPrefix}:run:${runId}`,
        'exitedAt',
        'status',
      );
      if (exitedAt || isTerminalStatus(status)) {
        break;
      }
      await sleep(100);
    }
    while (Date.now() < deadline) {
      const run = await this.getRun(runId);
      if (isTerminalStatus(run.status)) {
        const terminalAt = now();
        const internals = await this.redis.hmget(
          `${this.keyPrefix}:run:${runId}`,
          'exitedAt',
          'childFinished',
          'childError',
        );
        return {
          run,
          terminalAt,
          exitedAt: internals[0] ? Date.parse(internals[0]) : null,
          childFinished: internals[1],
          childError: internals[2],
        };
      }
      await sleep(5);
    }
    throw new Error(`run ${runId} did not reach a terminal status within ${timeoutMs} ms`);
  }

  /** Cancel a run if it is still going and wait for it to end (cleanup between trials). */
  async cancelAndWait(runId) {
    const run = await this.getRun(runId);
    if (!isTerminalStatus(run.status)) {
      await this.control(runId, 'cancel');
    }
    return this.waitForTerminal(runId, { timeoutMs: 60_000 });
  }
}
