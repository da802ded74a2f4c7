/**
 * Which gRPC failures of an OTLP export are worth retrying, and when, following
 * the OTLP specification's list of retryable codes. It reads what a
 * `@grpc/grpc-js` ServiceError carries (`code`, `metadata`).
 */

export const GRPC_STATUS = Object.freeze({
  CANCELLED: 1,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
});

const ALWAYS_RETRYABLE: ReadonlySet<number> = new Set([
  GRPC_STATUS.CANCELLED,
  GRPC_STATUS.DEADLINE_EXCEEDED,
  GRPC_STATUS.ABORTED,
  GRPC_STATUS.OUT_OF_RANGE,
  GRPC_STATUS.UNAVAILABLE,
  GRPC_STATUS.DATA_LOSS,
]);

/**
 * Backoff between the attempts of one export: the values the upstream HTTP
 * exporters use, so both protocols behave alike. `initialMillis` is also the
 * floor: no retry comes sooner, whatever the server's RetryInfo says (0, no
 * delay, garbage), so a misbehaving collector cannot turn us into a storm.
 */
export const RETRY_BACKOFF = Object.freeze({
  initialMillis: 1000,
  maxMillis: 5000,
  multiplier: 1.5,
  /** Each delay is scaled by a random factor in [1 - jitter, 1 + jitter], never below initialMillis. */
  jitter: 0.2,
  /** Attempts of one export, the first included: the OTLP exporters' usual bound. */
  maxAttempts: 5,
});

/**
 * How long to wait before retry number `retry` (1 for the first retry):
 * exponential backoff with jitter, or the server's RetryInfo delay when it
 * asks for longer; never less than the floor. A RetryInfo of 0 (or one
 * without a delay) therefore backs off like no RetryInfo at all.
 */
export function retryDelayMillis(retry: number, serverDelayMillis: number | undefined, random: () => number): number {
  const exponential = Math.min(RETRY_BACKOFF.initialMillis * RETRY_BACKOFF.multiplier ** (retry - 1), RETRY_BACKOFF.maxMillis);
  const jittered = exponential * (1 + RETRY_BACKOFF.jitter * (2 * random() - 1));
  const server = serverDelayMillis !== undefined && Number.isFinite(serverDelayMillis) ? serverDelayMillis : 0;
  return Math.max(RETRY_BACKOFF.initialMillis, jittered, server);
}

export interface RetryDecision {
  readonly retryable: boolean;
  /** The server's `google.rpc.RetryInfo` delay, when it sent one. */
  readonly retryAfterMillis?: number;
  readonly code?: number;
}

interface ServiceErrorLike {
  code?: unknown;
  metadata?: { get?: (key: string) => unknown[] };
}

export function grpcRetryDecision(error: unknown): RetryDecision {
  const serviceError = error as ServiceErrorLike | undefined;
  const code = typeof serviceError?.code === 'number' ? serviceError.code : undefined;
  if (code === undefined) return { retryable: false };
  const retryAfterMillis = retryInfoDelayMillis(serviceError);
  if (ALWAYS_RETRYABLE.has(code)) return { retryable: true, retryAfterMillis, code };
  // The server is out of quota: retrying only helps when it says when to come back.
  if (code === GRPC_STATUS.RESOURCE_EXHAUSTED && retryAfterMillis !== undefined) {
    return { retryable: true, retryAfterMillis, code };
  }
  return { retryable: false, code };
}

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/** The delay of the `google.rpc.RetryInfo` detail in the `grpc-status-details-bin` trailer, if any. */
export function retryInfoDelayMillis(error: ServiceErrorLike | undefined): number | undefined {
  let values: unknown[] | undefined;
  try {
    values = error?.metadata?.get?.('grpc-status-details-bin');
  } catch {
    return undefined;
  }
  for (const value of values ?? []) {
    if (!(value instanceof Uint8Array)) continue;
    try {
      const delay = decodeRetryDelay(value);
      if (delay !== undefined) return delay;
    } catch {
      // A malformed trailer is the server's problem; fall back to our own backoff.
    }
  }
  return undefined;
}

/**
 * google.rpc.Status { repeated google.protobuf.Any details = 3; }
 * google.protobuf.Any { string type_url = 1; bytes value = 2; }
 * google.rpc.RetryInfo { google.protobuf.Duration retry_delay = 1; }
 * google.protobuf.Duration { int64 seconds = 1; int32 nanos = 2; }
 * Three tiny messages: a hand-written reader beats shipping a protobuf runtime.
 */
function decodeRetryDelay(status: Uint8Array): number | undefined {
  for (const [field, detail] of fields(status)) {
    if (field !== 3 || !(detail instanceof Uint8Array)) continue;
    let typeUrl: string | undefined;
    let payload: Uint8Array | undefined;
    for (const [anyField, anyValue] of fields(detail)) {
      if (anyField === 1 && anyValue instanceof Uint8Array) typeUrl = Buffer.from(anyValue).toString('utf8');
      if (anyField === 2 && anyValue instanceof Uint8Array) payload = anyValue;
    }
    if (typeUrl !== RETRY_INFO_TYPE || !payload) continue;
    for (const [infoField, duration] of fields(payload)) {
      if (infoField !== 1 || !(duration instanceof Uint8Array)) continue;
      let seconds = 0;
      let nanos = 0;
      for (const [durationField, number] of fields(duration)) {
        if (durationField === 1 && typeof number === 'number') seconds = number;
        if (durationField === 2 && typeof number === 'number') nanos = number;
      }
      const millis = seconds * 1000 + nanos / 1e6;
      return Number.isFinite(millis) && millis >= 0 ? millis : undefined;
    }
    return 0;
  }
  return undefined;
}

/** Field number and value (varint as number, length-delimited as bytes) of each field of a message. */
function* fields(bytes: Uint8Array): Generator<[number, number | Uint8Array]> {
  let offset = 0;
  const varint = (): number => {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      if (offset >= bytes.length) throw new RangeError('truncated varint');
      const byte = bytes[offset++];
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 128;
    }
    throw new RangeError('varint too long');
  };
  while (offset < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (wireType === 0) yield [field, varint()];
    else if (wireType === 2) {
      const length = varint();
      if (offset + length > bytes.length) throw new RangeError('truncated field');
      yield [field, bytes.subarray(offset, offset + length)];
      offset += length;
    } else if (wireType === 1) offset += 8;
    else if (wireType === 5) offset += 4;
    else throw new RangeError(`unsupported wire type ${wireType}`);
  }
}
