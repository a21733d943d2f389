import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  connect,
  nanos,
  type JetStreamManager,
  type NatsConnection,
} from 'nats';

/**
 * A connection to the NATS servers of `url` (comma-separated), reconnecting for ever: every
 * NATS user of an instance (sensor ingest, the live bus, the impact queue) connects so.
 */
export function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: url.split(',').map((s) => s.trim()),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
}

/** What differs between the JetStream work queues (a stream and its one durable consumer). */
export interface WorkQueueSpec {
  stream: string;
  /** Subjects `<subjectPrefix>>`. */
  subjectPrefix: string;
  /** How long JetStream remembers a `Nats-Msg-Id` (to drop a republished message). */
  duplicateWindowMs: number;
  /** Messages older than this are dropped unconsumed. */
  maxAgeMs: number;
  consumer: string;
  /** A delivered message not acknowledged this long is redelivered. */
  ackWaitMs: number;
  maxAckPending?: number;
}

/**
 * Makes sure the work-queue stream (file storage; a message is gone once acknowledged) and its
 * durable pull consumer (explicit acks, from the start) exist. Instances start concurrently:
 * whichever adds one first wins, and the others find it.
 */
export async function ensureWorkQueue(jsm: JetStreamManager, spec: WorkQueueSpec): Promise<void> {
  await ensure(
    () => jsm.streams.info(spec.stream),
    () =>
      jsm.streams.add({
        name: spec.stream,
        subjects: [`${spec.subjectPrefix}>`],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        duplicate_window: nanos(spec.duplicateWindowMs),
        max_age: nanos(spec.maxAgeMs),
      }),
  );
  await ensure(
    () => jsm.consumers.info(spec.stream, spec.consumer),
    () =>
      jsm.consumers.add(spec.stream, {
        durable_name: spec.consumer,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(spec.ackWaitMs),
        ...(spec.maxAckPending === undefined ? {} : { max_ack_pending: spec.maxAckPending }),
      }),
  );
}

/** `info()` if it exists, else `add()`; an `add()` that loses a race to another adder stands. */
async function ensure(info: () => Promise<unknown>, add: () => Promise<unknown>): Promise<void> {
  try {
    await info();
  } catch {
    await add().catch(async (error: unknown) => {
      await info().catch(() => {
        throw error;
      });
    });
  }
}
