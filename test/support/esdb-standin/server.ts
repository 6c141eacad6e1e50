import grpc from '@grpc/grpc-js';
import serverFeaturesGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_grpc_pb.js';
import serverFeaturesPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_pb.js';
import sharedPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js';
import statusPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/status_pb.js';
import streamsGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb.js';
import streamsPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb.js';
import streamsV2Grpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/streams_grpc_pb.js';
import anyPb from 'google-protobuf/google/protobuf/any_pb.js';
import { appendSessionHandler } from './append-session.js';
import {
  createStandinStore,
  type Expected,
  isAfter,
  type Proposed,
  type RecordPosition,
  type StandinStore,
  type StoredRecord,
} from './store.js';

// A wire-level stand-in for KurrentDB (EventStoreDB), for tests only. It is NOT KurrentDB: it
// speaks the subset of the public gRPC protocol our adapter uses — Append and BatchAppend
// with an expected revision, the v2 AppendSession (multi-stream append, 25.1; see
// append-session.ts), Read of one stream forwards, Read of $all forwards from a position,
// and catch-up subscriptions to $all with a stream-prefix or event-type-regex filter that
// say "caught up" — built on the service definitions shipped inside
// @kurrent/kurrentdb-client, so the real client library (its gRPC calls and its native
// bridge's reads) talks to it over a real socket. It has no persistence, clustering,
// security, projections, checkpoints or idempotent writes.

type ReadReq = InstanceType<typeof streamsPb.ReadReq>;
type ReadResp = InstanceType<typeof streamsPb.ReadResp>;
type AppendReq = InstanceType<typeof streamsPb.AppendReq>;
type AppendResp = InstanceType<typeof streamsPb.AppendResp>;
type BatchAppendReq = InstanceType<typeof streamsPb.BatchAppendReq>;
type BatchAppendResp = InstanceType<typeof streamsPb.BatchAppendResp>;
type Filter = InstanceType<typeof streamsPb.ReadReq.Options.FilterOptions>;
type Empty = InstanceType<typeof sharedPb.Empty>;

export type StandinOptions = {
  /** Advertise and serve BatchAppend (what EventStoreDB 21.10+ does); otherwise only Append. */
  batchAppend?: boolean;
  /**
   * Serve and advertise multi-stream append (KurrentDB 25.1+; default true). Off: an older
   * server, which neither lists it among its features nor answers it (UNIMPLEMENTED).
   */
  multiStreamAppend?: boolean;
  /** List multi-stream append among the features whether or not it is served (default: as served). */
  advertiseMultiStreamAppend?: boolean;
  /** The server's clock, for the `created` time of each event. */
  now?: () => number;
  /** Keep the data of an earlier stand-in (a server restart keeps its log). */
  store?: StandinStore;
  /** Listen on this port (default: one the OS picks). */
  port?: number;
};

export type EventStoreStandin = {
  /** A connection string for the client (`esdb://`, which the adapter reads as `kurrentdb://`). */
  url: string;
  port: number;
  store: StandinStore;
  /** Drops every connection and stops listening (a crash, or the network going away). */
  stop(): Promise<void>;
  /** Listens again on the same port with the same data. */
  restart(): Promise<void>;
};

const ALL_ONES = 18_446_744_073_709_551_615n; // "no position": what the index gives stream reads

const fail = (code: grpc.status, details: string): grpc.ServiceError =>
  Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });

const streamNameOf = (identifier: { getStreamName_asU8(): Uint8Array } | undefined): string =>
  Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');

const identifierOf = (streamName: string) => {
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(Buffer.from(streamName, 'utf8'));
  return identifier;
};

const proposedOf = (message: {
  getId(): { serializeBinary(): Uint8Array } | undefined;
  getMetadataMap(): { get(key: string): string | undefined };
  getData_asU8(): Uint8Array;
  getCustomMetadata_asU8(): Uint8Array;
}): Proposed => ({
  id: message.getId()?.serializeBinary() ?? new Uint8Array(),
  type: message.getMetadataMap().get('type') ?? '',
  contentType: message.getMetadataMap().get('content-type') ?? 'application/octet-stream',
  data: message.getData_asU8(),
  customMetadata: message.getCustomMetadata_asU8(),
});

const eventResponse = (record: StoredRecord, from: 'stream' | 'all'): ReadResp => {
  const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
  recorded.setId(sharedPb.UUID.deserializeBinary(record.id));
  recorded.setStreamIdentifier(identifierOf(record.streamName));
  recorded.setStreamRevision(record.revision.toString());
  // Like the real server before positions reached its index: a stream read has none.
  recorded.setCommitPosition((from === 'all' ? record.position : ALL_ONES).toString());
  recorded.setPreparePosition((from === 'all' ? record.prepare : ALL_ONES).toString());
  const metadata = recorded.getMetadataMap();
  metadata.set('type', record.type);
  metadata.set('content-type', record.contentType);
  metadata.set('created', record.created.toString());
  recorded.setData(record.data);
  recorded.setCustomMetadata(record.customMetadata);
  const event = new streamsPb.ReadResp.ReadEvent();
  event.setEvent(recorded);
  if (from === 'all') event.setCommitPosition(record.position.toString());
  else event.setNoPosition(new sharedPb.Empty());
  const response = new streamsPb.ReadResp();
  response.setEvent(event);
  return response;
};

const filterOf = (filter: Filter | undefined): ((record: StoredRecord) => boolean) => {
  if (filter === undefined) return () => true;
  const byStream = filter.hasStreamIdentifier();
  const expression = byStream ? filter.getStreamIdentifier() : filter.getEventType();
  if (expression === undefined) return () => true;
  const prefixes = expression.getPrefixList();
  const regex = expression.getRegex() === '' ? undefined : new RegExp(expression.getRegex());
  return (record) => {
    const subject = byStream ? record.streamName : record.type;
    if (prefixes.length > 0) return prefixes.some((prefix) => subject.startsWith(prefix));
    return regex === undefined || regex.test(subject);
  };
};

const expectedOfAppend = (options: InstanceType<typeof streamsPb.AppendReq.Options>): Expected => {
  if (options.hasRevision()) return { kind: 'revision', revision: BigInt(options.getRevision()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
};

const expectedOfBatch = (options: InstanceType<typeof streamsPb.BatchAppendReq.Options>): Expected => {
  if (options.hasStreamPosition()) return { kind: 'revision', revision: BigInt(options.getStreamPosition()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
};

export const startEventStoreStandin = async (options: StandinOptions = {}): Promise<EventStoreStandin> => {
  const store = options.store ?? createStandinStore(options.now);
  const batchAppend = options.batchAppend ?? true;
  const multiStreamAppend = options.multiStreamAppend ?? true;
  const advertiseMultiStreamAppend = options.advertiseMultiStreamAppend ?? multiStreamAppend;
  let server: grpc.Server | undefined;
  let port = options.port ?? 0;
  let subscriptionCount = 0;

  // ---- Streams.Read: one stream, $all, or a subscription to $all --------------------------

  const read = (call: grpc.ServerWritableStream<ReadReq, ReadResp>): void => {
    const options = call.request.getOptions();
    if (options === undefined) return void call.emit('error', fail(grpc.status.INVALID_ARGUMENT, 'no options'));
    if (options.getReadDirection() !== streamsPb.ReadReq.Options.ReadDirection.FORWARDS) {
      return void call.emit('error', fail(grpc.status.UNIMPLEMENTED, 'the stand-in reads forwards only'));
    }
    const count = options.hasCount() ? BigInt(options.getCount()) : 0n;

    if (options.hasStream()) {
      if (options.hasSubscription()) {
        return void call.emit('error', fail(grpc.status.UNIMPLEMENTED, 'stream subscriptions are not in the stand-in'));
      }
      const streamOptions = options.getStream();
      const name = streamNameOf(streamOptions?.getStreamIdentifier());
      const stream = store.stream(name);
      if (stream === undefined) {
        const notFound = new streamsPb.ReadResp.StreamNotFound();
        notFound.setStreamIdentifier(identifierOf(name));
        const response = new streamsPb.ReadResp();
        response.setStreamNotFound(notFound);
        call.write(response);
        return void call.end();
      }
      if (streamOptions?.hasEnd()) return void call.end();
      const from = streamOptions?.hasRevision() ? BigInt(streamOptions.getRevision()) : 0n;
      let sent = 0n;
      for (const record of stream) {
        if (record.revision < from) continue;
        if (sent >= count) break;
        call.write(eventResponse(record, 'stream'));
        sent += 1n;
      }
      return void call.end();
    }

    const allOptions = options.getAll();
    if (allOptions === undefined) return void call.emit('error', fail(grpc.status.INVALID_ARGUMENT, 'no stream'));
    const matches = filterOf(options.hasFilter() ? options.getFilter() : undefined);
    const requested = allOptions.getPosition();
    const position: RecordPosition = {
      commit: BigInt(requested?.getCommitPosition() ?? '0'),
      prepare: BigInt(requested?.getPreparePosition() ?? '0'),
    };
    const start: RecordPosition = { commit: -1n, prepare: -1n };

    if (!options.hasSubscription()) {
      // A read of $all from a position includes the event at that position.
      if (allOptions.hasEnd()) return void call.end();
      let sent = 0n;
      for (const record of store.all()) {
        if (allOptions.hasPosition() && !isAfter(record, { commit: position.commit, prepare: position.prepare - 1n })) {
          continue;
        }
        if (sent >= count) break;
        if (!matches(record)) continue;
        call.write(eventResponse(record, 'all'));
        sent += 1n;
      }
      return void call.end();
    }

    // A subscription starts after its position, catches up, says so, then goes live. The
    // catch-up and the live listener are set up in one turn, so nothing falls in between.
    subscriptionCount += 1;
    const confirmation = new streamsPb.ReadResp.SubscriptionConfirmation();
    confirmation.setSubscriptionId(`standin-subscription-${subscriptionCount}`);
    const confirmed = new streamsPb.ReadResp();
    confirmed.setConfirmation(confirmation);
    call.write(confirmed);
    const after = allOptions.hasEnd() ? store.headPosition : allOptions.hasPosition() ? position : start;
    for (const record of store.all()) {
      if (isAfter(record, after) && matches(record)) call.write(eventResponse(record, 'all'));
    }
    const caughtUp = new streamsPb.ReadResp();
    caughtUp.setCaughtUp(new streamsPb.ReadResp.CaughtUp());
    call.write(caughtUp);
    const stop = store.listen((record) => {
      if (matches(record)) call.write(eventResponse(record, 'all'));
    });
    call.on('cancelled', stop);
    call.on('close', stop);
  };

  // ---- Streams.Append: client-streaming, options first, then the events ------------------

  const append = (call: grpc.ServerReadableStream<AppendReq, AppendResp>, done: grpc.sendUnaryData<AppendResp>) => {
    let options: InstanceType<typeof streamsPb.AppendReq.Options> | undefined;
    const proposed: Proposed[] = [];
    call.on('data', (request: AppendReq) => {
      if (request.hasOptions()) options = request.getOptions();
      const message = request.getProposedMessage();
      if (message !== undefined) proposed.push(proposedOf(message));
    });
    call.on('end', () => {
      if (options === undefined) return done(fail(grpc.status.INVALID_ARGUMENT, 'append without options'));
      const expected = expectedOfAppend(options);
      const outcome = store.append(streamNameOf(options.getStreamIdentifier()), expected, proposed);
      const response = new streamsPb.AppendResp();
      if (outcome.ok) {
        const success = new streamsPb.AppendResp.Success();
        success.setCurrentRevision(outcome.revision.toString());
        const position = new streamsPb.AppendResp.Position();
        position.setCommitPosition(outcome.position.toString());
        position.setPreparePosition(outcome.position.toString());
        success.setPosition(position);
        response.setSuccess(success);
      } else {
        const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
        if (outcome.current === undefined) wrong.setCurrentNoStream(new sharedPb.Empty());
        else wrong.setCurrentRevision(outcome.current.toString());
        if (expected.kind === 'revision') wrong.setExpectedRevision(expected.revision.toString());
        else if (expected.kind === 'no_stream') wrong.setExpectedNoStream(new sharedPb.Empty());
        else wrong.setExpectedStreamExists(new sharedPb.Empty());
        response.setWrongExpectedVersion(wrong);
      }
      done(null, response);
    });
  };

  // ---- Streams.BatchAppend: one long-lived duplex stream, requests by correlation id -----

  const batch = (call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void => {
    const pending = new Map<
      string,
      { options: InstanceType<typeof streamsPb.BatchAppendReq.Options>; events: Proposed[] }
    >();
    call.on('data', (request: BatchAppendReq) => {
      const correlation = request.getCorrelationId();
      const key = Buffer.from(correlation?.serializeBinary() ?? new Uint8Array()).toString('base64');
      const options = request.getOptions();
      const entry = pending.get(key) ?? (options === undefined ? undefined : { options, events: [] });
      if (entry === undefined) return;
      pending.set(key, entry);
      for (const message of request.getProposedMessagesList()) entry.events.push(proposedOf(message));
      if (!request.getIsFinal()) return;
      pending.delete(key);

      const name = streamNameOf(entry.options.getStreamIdentifier());
      const expected = expectedOfBatch(entry.options);
      const outcome = store.append(name, expected, entry.events);
      const response = new streamsPb.BatchAppendResp();
      if (correlation !== undefined) response.setCorrelationId(correlation);
      response.setStreamIdentifier(identifierOf(name));
      if (outcome.ok) {
        const success = new streamsPb.BatchAppendResp.Success();
        success.setCurrentRevision(outcome.revision.toString());
        const position = new sharedPb.AllStreamPosition();
        position.setCommitPosition(outcome.position.toString());
        position.setPreparePosition(outcome.position.toString());
        success.setPosition(position);
        response.setSuccess(success);
      } else {
        // The real server packs the conflict into a google.rpc.Status with typed details.
        const wrong = new sharedPb.WrongExpectedVersion();
        const empty = (): Empty => new sharedPb.Empty();
        if (outcome.current === undefined) wrong.setCurrentNoStream(empty());
        else wrong.setCurrentStreamRevision(outcome.current.toString());
        if (expected.kind === 'revision') wrong.setExpectedStreamPosition(expected.revision.toString());
        else if (expected.kind === 'no_stream') wrong.setExpectedNoStream(empty());
        else wrong.setExpectedStreamExists(empty());
        const details = new anyPb.Any();
        details.pack(wrong.serializeBinary(), 'event_store.client.WrongExpectedVersion');
        const status = new statusPb.Status();
        status.setCode(9); // FAILED_PRECONDITION
        status.setMessage('WrongExpectedVersion');
        status.setDetails(details);
        response.setError(status);
      }
      call.write(response);
    });
    call.on('end', () => call.end());
  };

  // ---- ServerFeatures: tells the client which append to use -------------------------------

  const supportedMethods = (
    _call: grpc.ServerUnaryCall<unknown, unknown>,
    done: grpc.sendUnaryData<InstanceType<typeof serverFeaturesPb.SupportedMethods>>,
  ) => {
    const methods = new serverFeaturesPb.SupportedMethods();
    methods.setEventStoreServerVersion(advertiseMultiStreamAppend ? '25.1.0-standin' : '24.10.0-standin');
    const method = (service: string, name: string) => {
      const entry = new serverFeaturesPb.SupportedMethod();
      entry.setServiceName(service);
      entry.setMethodName(name);
      methods.addMethods(entry);
    };
    for (const name of ['Read', 'Append', ...(batchAppend ? ['BatchAppend'] : [])]) {
      method('event_store.client.streams.Streams', name);
    }
    if (advertiseMultiStreamAppend) method('kurrentdb.protocol.v2.streams.StreamsService', 'AppendSession');
    done(null, methods);
  };

  const listen = async (): Promise<void> => {
    const next = new grpc.Server();
    next.addService(streamsGrpc.StreamsService, {
      read,
      append,
      batchAppend: batch,
      delete: (_call: unknown, done: grpc.sendUnaryData<never>) =>
        done(fail(grpc.status.UNIMPLEMENTED, 'not in the stand-in')),
      tombstone: (_call: unknown, done: grpc.sendUnaryData<never>) =>
        done(fail(grpc.status.UNIMPLEMENTED, 'not in the stand-in')),
    });
    next.addService(serverFeaturesGrpc.ServerFeaturesService, { getSupportedMethods: supportedMethods });
    if (multiStreamAppend) {
      next.addService(streamsV2Grpc.StreamsServiceService, {
        appendSession: appendSessionHandler(store),
        appendRecords: (_call: unknown, done: grpc.sendUnaryData<never>) =>
          done(fail(grpc.status.UNIMPLEMENTED, 'not in the stand-in')),
      });
    }
    port = await new Promise<number>((resolve, reject) =>
      next.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    server = next;
  };

  await listen();
  const standin: EventStoreStandin = {
    get url() {
      return `esdb://127.0.0.1:${port}?tls=false`;
    },
    get port() {
      return port;
    },
    store,
    stop: async () => {
      server?.forceShutdown();
      server = undefined;
    },
    restart: async () => {
      if (server !== undefined) server.forceShutdown();
      await listen();
    },
  };
  return standin;
};
