import { randomUUID } from 'node:crypto';
import grpc from '@grpc/grpc-js';
import sharedPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js';
import statusPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/status_pb.js';
import errorsPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/errors_pb.js';
import streamsV2Pb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/streams_pb.js';
import anyPb from 'google-protobuf/google/protobuf/any_pb.js';
import type { Expected, Proposed, StandinStore, StreamAppend } from './store.js';

// KurrentDB 25.1's multi-stream append, as the stand-in speaks it: the streams v2 service's
// AppendSession (what @kurrent/kurrentdb-client 1.3.1's multiStreamAppend calls). The client
// streams one AppendRequest per stream — its name, its expected revision, its records — and
// closes; the server writes them all in one transaction or none, and answers once.
//
// How the real server answers, as far as the client reads it: success is every stream's new
// revision and the transaction's (shared) commit position; a stream not at its expected
// revision is a FAILED_PRECONDITION whose google.rpc.Status (in the grpc-status-details-bin
// trailer) carries StreamRevisionConflictErrorDetails for one stream — the client turns
// that into a WrongExpectedVersionError naming that stream, so that is the first stream
// found wrong. An empty session, or a stream named twice, is an INVALID_ARGUMENT. A
// record's properties (string values) become the event's metadata, as a JSON object.

type AppendRequest = InstanceType<typeof streamsV2Pb.AppendRequest>;
type AppendRecord = InstanceType<typeof streamsV2Pb.AppendRecord>;
type AppendSessionResponse = InstanceType<typeof streamsV2Pb.AppendSessionResponse>;

const fail = (code: grpc.status, details: string, metadata = new grpc.Metadata()): grpc.ServiceError =>
  Object.assign(new Error(details), { code, details, metadata });

/** The v2 protocol's expected revision: -1 no stream, -2 any, -4 the stream exists, else a revision. */
const expectedOf = (request: AppendRequest): Expected => {
  if (!request.hasExpectedRevision()) return { kind: 'any' };
  const value = BigInt(request.getExpectedRevision() ?? '-2');
  if (value === -1n) return { kind: 'no_stream' };
  if (value === -2n) return { kind: 'any' };
  if (value === -4n) return { kind: 'stream_exists' };
  return { kind: 'revision', revision: value };
};

const expectedText = (expected: Expected): string =>
  expected.kind === 'revision'
    ? expected.revision.toString()
    : { no_stream: '-1', any: '-2', stream_exists: '-4' }[expected.kind];

const proposedOf = (record: AppendRecord): Proposed => {
  const id = new sharedPb.UUID();
  id.setString(record.hasRecordId() ? (record.getRecordId() ?? randomUUID()) : randomUUID());
  const properties: Record<string, unknown> = {};
  for (const [key, value] of record.getPropertiesMap().entries()) properties[key] = value.toJavaScript();
  const schema = record.getSchema();
  const json = schema?.getFormat() === streamsV2Pb.SchemaFormat.SCHEMA_FORMAT_JSON;
  return {
    id: id.serializeBinary(),
    type: schema?.getName() ?? '',
    contentType: json ? 'application/json' : 'application/octet-stream',
    data: record.getData_asU8(),
    customMetadata: new TextEncoder().encode(JSON.stringify(properties)),
  };
};

const conflictError = (streamName: string, expected: Expected, current: bigint | undefined): grpc.ServiceError => {
  const details = new errorsPb.StreamRevisionConflictErrorDetails();
  details.setStream(streamName);
  details.setExpectedRevision(expectedText(expected));
  details.setActualRevision((current ?? -1n).toString());
  const packed = new anyPb.Any();
  packed.pack(details.serializeBinary(), 'kurrentdb.protocol.v2.streams.errors.StreamRevisionConflictErrorDetails');
  const status = new statusPb.Status();
  status.setCode(9); // FAILED_PRECONDITION
  status.setMessage(`stream ${streamName} is not at revision ${expectedText(expected)}`);
  status.setDetails(packed);
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(status.serializeBinary()));
  return fail(grpc.status.FAILED_PRECONDITION, status.getMessage(), metadata);
};

export const appendSessionHandler =
  (store: StandinStore) =>
  (
    call: grpc.ServerReadableStream<AppendRequest, AppendSessionResponse>,
    done: grpc.sendUnaryData<AppendSessionResponse>,
  ): void => {
    const appends: StreamAppend[] = [];
    call.on('data', (request: AppendRequest) => {
      appends.push({
        streamName: request.getStream(),
        expected: expectedOf(request),
        proposed: request.getRecordsList().map(proposedOf),
      });
    });
    call.on('end', () => {
      if (appends.length === 0) {
        return done(fail(grpc.status.INVALID_ARGUMENT, 'At least one AppendStreamRequest must be present'));
      }
      const names = new Set<string>();
      for (const { streamName, proposed } of appends) {
        if (proposed.length === 0) return done(fail(grpc.status.INVALID_ARGUMENT, `no records for ${streamName}`));
        if (names.has(streamName)) return done(fail(grpc.status.INVALID_ARGUMENT, `${streamName} appears twice`));
        names.add(streamName);
      }
      const outcome = store.write(appends);
      if (!outcome.ok) {
        const [first] = outcome.conflicts;
        const expected = appends[first?.index ?? 0]?.expected ?? { kind: 'any' };
        return done(conflictError(first?.streamName ?? '', expected, first?.current));
      }
      const response = new streamsV2Pb.AppendSessionResponse();
      appends.forEach(({ streamName }, i) => {
        const output = new streamsV2Pb.AppendResponse();
        output.setStream(streamName);
        output.setStreamRevision((outcome.revisions[i] ?? -1n).toString());
        output.setPosition(outcome.position.toString());
        response.addOutput(output);
      });
      response.setPosition(outcome.position.toString());
      done(null, response);
    });
  };
