import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type KV,
  type NatsConnection,
} from 'nats';
import { JobTimeoutError, QueueFullError } from '../impact/impact-pool';
import { connectNats, ensureWorkQueue } from '../jetstream';
import type { Logger } from '../log';

/** The JetStream work queue of impact jobs (issue #16): one message per job, gone once acked. */
export const IMPACT_STREAM = 'TWIN_IMPACTS';
export const IMPACT_SUBJECT_PREFIX = 'twin.impacts.';
/** The durable consumer every instance's workers pull from. */
export const IMPACT_CONSUMER = 'twin-impacts';
/** The JetStream key-value bucket of job states, read by every instance's `GET …/impact`. */
export const IMPACT_STATUS_BUCKET = 'twin_impact_jobs';
/** A job not acknowledged (nor kept alive by its worker's heartbeat) this long is redelivered. */
export const IMPACT_ACK_WAIT_MS = 15_000;
/** The worker tells JetStream it is still at it this often, and publishes its phase. */
const HEARTBEAT_MS = 3_000;
/** A running job whose worker has not beaten for this long is told as queued (it is going back). */
const STALE_MS = 4 * HEARTBEAT_MS;
/** Deliveries of one job at most (a job that kills its worker each time stops here). */
const MAX_DELIVERIES = 4;
/** A failed job's status stays visible this long before a new request tries again. */
const FAILED_RETENTION_MS = 15_000;
/** JetStream remembers a job's `Nats-Msg-Id` this long (coalescing identical requests). */
const DUPLICATE_WINDOW_MS = 10 * 60_000;

/** A job on the queue: the scenario, the version and cache key it was asked for. */
export interface QueuedJob {
  scenarioId: string;
  version: number;
  cacheKey: string;
  jobKey: string;
  queuedAt: string;
}

/** The state of a job as every instance sees it (the status bucket's value). */
export interface SharedJobStatus {
  state: 'queued' | 'running' | 'done' | 'failed';
  phase: string | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: { code: 'timeout' | 'internal'; message: string } | null;
  /** The instance whose worker runs (or ran) it: `host:pid`. */
  worker: string | null;
  /** The job's message in the stream. */
  seq: number | null;
  /** The running worker's last heartbeat. */
  beat_at?: string | null;
}

export interface ImpactQueueOptions {
  /** Jobs this instance runs at once (TWIN_IMPACT_WORKERS). */
  workers: number;
  /** Jobs waiting across all instances at most (TWIN_IMPACT_QUEUE); beyond, 503. */
  queueSize: number;
  log?: Logger;
  /**
   * Runs a job here, resolving once its result is stored (or it no longer applies: the
   * scenario changed or is gone); rejects when the computation fails.
   */
  run(job: QueuedJob, setPhase: (phase: string) => void): Promise<void>;
}

/** The status bucket's key of a job (keys are limited to `[-/_=.a-zA-Z0-9]`). */
const statusKey = (jobKey: string) =>
  `j_${createHash('sha256').update(jobKey).digest('hex').slice(0, 40)}`;

const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/**
 * Impact jobs as a NATS JetStream work queue across instances (`NATS_URL`, issue #16). A request
 * on any instance publishes the job (its `Nats-Msg-Id` is the scenario's job key, so identical
 * requests on any instance are one job); every instance's workers pull from one durable consumer,
 * at most TWIN_IMPACT_WORKERS at once each, compute in their worker threads and store the result
 * in `scenario_impacts`, and only then acknowledge. While computing, a worker keeps the message
 * alive (`working`) and publishes its phase to the status bucket; a worker that dies stops doing
 * so and JetStream redelivers the job to another after IMPACT_ACK_WAIT_MS.
 */
export class ImpactQueue {
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #kv: KV;
  readonly #options: ImpactQueueOptions;
  readonly #inFlight = new Set<JsMsg>();
  readonly #decoder = new TextDecoder();
  readonly worker = `${hostname()}:${process.pid}`;
  #stopped = false;
  #loops: Promise<void>[] = [];

  private constructor(
    nc: NatsConnection,
    jsm: JetStreamManager,
    kv: KV,
    options: ImpactQueueOptions,
  ) {
    this.#nc = nc;
    this.#js = nc.jetstream();
    this.#jsm = jsm;
    this.#kv = kv;
    this.#options = options;
  }

  static async start(url: string, options: ImpactQueueOptions): Promise<ImpactQueue> {
    const nc = await connectNats(url, `twin-impacts-${process.pid}`);
    const jsm = await nc.jetstreamManager();
    await ensureWorkQueue(jsm, {
      stream: IMPACT_STREAM,
      subjectPrefix: IMPACT_SUBJECT_PREFIX,
      duplicateWindowMs: DUPLICATE_WINDOW_MS,
      maxAgeMs: 24 * 3600_000,
      consumer: IMPACT_CONSUMER,
      ackWaitMs: IMPACT_ACK_WAIT_MS,
    });
    const kv = await nc.jetstream().views.kv(IMPACT_STATUS_BUCKET, { history: 1, ttl: 3600_000 });
    const queue = new ImpactQueue(nc, jsm, kv, options);
    queue.#loops = Array.from({ length: Math.max(1, options.workers) }, () => queue.#workLoop());
    return queue;
  }

  /** The shared status of a job, if any instance has one. */
  async status(jobKey: string): Promise<{ status: SharedJobStatus; revision: number } | null> {
    const e = await this.#kv.get(statusKey(jobKey));
    if (!e || e.operation !== 'PUT' || e.value.length === 0) return null;
    return {
      status: JSON.parse(this.#decoder.decode(e.value)) as SharedJobStatus,
      revision: e.revision,
    };
  }

  /** Jobs waiting across the instances (published, not yet taken by a worker). */
  async waiting(): Promise<number> {
    return (await this.#jsm.consumers.info(IMPACT_STREAM, IMPACT_CONSUMER)).num_pending;
  }

  /** Jobs ahead of the message `seq` (0 = next). */
  async position(seq: number | null): Promise<number | null> {
    if (seq === null) return null;
    const info = await this.#jsm.consumers.info(IMPACT_STREAM, IMPACT_CONSUMER);
    return Math.max(0, Math.min(info.num_pending - 1, seq - info.delivered.stream_seq - 1));
  }

  /**
   * The job asking for `job`: the one queued or running on any instance (or failed a moment
   * ago), else a new one on the queue. Throws QueueFullError when `limit` jobs are waiting.
   */
  async request(
    job: Omit<QueuedJob, 'queuedAt'>,
    limit = this.#options.queueSize,
  ): Promise<SharedJobStatus> {
    const key = statusKey(job.jobKey);
    const current = await this.status(job.jobKey);
    const s = current?.status;
    if (s?.state === 'running' && s.beat_at && Date.now() - Date.parse(s.beat_at) > STALE_MS) {
      // Its worker stopped beating (the instance died): JetStream hands the job to another.
      return { ...s, state: 'queued', phase: null, started_at: null, worker: null };
    }
    if (s && (s.state === 'queued' || s.state === 'running')) return s;
    if (
      s?.state === 'failed' &&
      Date.now() - Date.parse(s.finished_at ?? s.queued_at) < FAILED_RETENTION_MS
    )
      return s;
    if ((await this.waiting()) >= limit) {
      throw new QueueFullError(
        `the impact queue is full (${limit} jobs waiting); try again shortly`,
      );
    }
    const queuedAt = new Date().toISOString();
    // One message id per (job, attempt): requests that see the same state publish one job.
    const ack = await this.#js.publish(
      `${IMPACT_SUBJECT_PREFIX}${job.scenarioId}`,
      encode({ ...job, queuedAt }),
      {
        msgID: `${key}#${current?.revision ?? 0}`,
        expect: { streamName: IMPACT_STREAM },
        timeout: 5000,
      },
    );
    const queued: SharedJobStatus = {
      state: 'queued',
      phase: null,
      queued_at: queuedAt,
      started_at: null,
      finished_at: null,
      error: null,
      worker: null,
      seq: ack.seq,
    };
    if (ack.duplicate) return (await this.status(job.jobKey))?.status ?? queued;
    try {
      // Only over the state read above: a worker that already took the job wrote `running`.
      if (current) await this.#kv.update(key, encode(queued), current.revision);
      else await this.#kv.create(key, encode(queued));
      return queued;
    } catch {
      return (await this.status(job.jobKey))?.status ?? queued;
    }
  }

  async #workLoop(): Promise<void> {
    while (!this.#stopped) {
      try {
        const consumer = await this.#js.consumers.get(IMPACT_STREAM, IMPACT_CONSUMER);
        while (!this.#stopped) {
          const m = await consumer.next({ expires: 5000 });
          if (m) await this.#process(m);
        }
      } catch (error) {
        if (this.#stopped) return;
        this.#options.log?.warn({ err: error }, 'impacts: NATS consumer interrupted; resuming');
        await sleep(500);
      }
    }
  }

  async #process(m: JsMsg): Promise<void> {
    let job: QueuedJob;
    try {
      job = JSON.parse(this.#decoder.decode(m.data)) as QueuedJob;
      if (typeof job.jobKey !== 'string' || typeof job.scenarioId !== 'string')
        throw new Error('not a job');
    } catch {
      m.term();
      return;
    }
    const key = statusKey(job.jobKey);
    const status: SharedJobStatus = {
      state: 'running',
      phase: null,
      queued_at: job.queuedAt,
      started_at: new Date().toISOString(),
      finished_at: null,
      error: null,
      worker: this.worker,
      seq: m.seq,
      beat_at: new Date().toISOString(),
    };
    const put = () =>
      this.#kv
        .put(key, encode(status))
        .catch((error: unknown) =>
          this.#options.log?.warn({ err: error }, 'impacts: status not published'),
        );
    const finish = async (state: 'done' | 'failed', error: SharedJobStatus['error'] = null) => {
      Object.assign(status, { state, phase: null, finished_at: new Date().toISOString(), error });
      await put();
    };
    if (m.info.deliveryCount > MAX_DELIVERIES) {
      await finish('failed', {
        code: 'internal',
        message: `the impact computation stopped its worker ${MAX_DELIVERIES} times`,
      });
      m.term();
      return;
    }
    this.#inFlight.add(m);
    await put();
    let phase: string | null = null;
    const beat = setInterval(() => {
      m.working();
      status.phase = phase;
      status.beat_at = new Date().toISOString();
      void put();
    }, HEARTBEAT_MS);
    try {
      await this.#options.run(job, (p) => (phase = p));
      clearInterval(beat);
      await finish('done');
      // Acknowledged only now: the result is in the database.
      await m.ackAck().catch(() => m.ack());
    } catch (error) {
      clearInterval(beat);
      if (this.#stopped) return; // nak'd by close(): another instance takes it
      if (error instanceof QueueFullError) {
        // This instance's own queue is busy (baselines, demo traffic): let another take it.
        status.state = 'queued';
        status.worker = null;
        await put();
        m.nak(1000);
        return;
      }
      const e = error as Error;
      await finish('failed', {
        code: e instanceof JobTimeoutError ? 'timeout' : 'internal',
        message: e instanceof JobTimeoutError ? e.message : 'the impact computation failed',
      });
      m.term();
    } finally {
      clearInterval(beat);
      this.#inFlight.delete(m);
    }
  }

  async close(): Promise<void> {
    this.#stopped = true;
    // Jobs running here go back to the queue at once, for another instance.
    for (const m of this.#inFlight) m.nak();
    await this.#nc.flush().catch(() => undefined);
    await this.#nc.drain().catch(() => undefined);
    await Promise.race([Promise.all(this.#loops), sleep(2000)]);
  }
}

/** `info` it, else `add` it (another instance may add it first). */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
