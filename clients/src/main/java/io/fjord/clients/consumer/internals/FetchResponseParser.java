package io.fjord.clients.consumer.internals;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.fjord.proto.BrokerServiceGrpc;
import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a Fetch answer with one copy of its record data instead of two: the message is read into
 * one array and parsed with aliasing, so each partition's {@code records} field is a view of that
 * array rather than a copy of it (gRPC's own parser reads the message into an array and protobuf
 * then copies every bytes field out of it: a second copy and a second multi-MiB allocation per answer).
 *
 * <p>Safe because the array is never reused: it lives as long as some partition's data is buffered,
 * and the garbage collector frees it.
 */
final class FetchResponseParser implements MethodDescriptor.Marshaller<FetchResponse> {
    /** The Fetch method with this parser for its answers. */
    static final MethodDescriptor<FetchRequest, FetchResponse> FETCH = BrokerServiceGrpc.getFetchMethod()
            .toBuilder(BrokerServiceGrpc.getFetchMethod().getRequestMarshaller(), new FetchResponseParser())
            .build();

    private final MethodDescriptor.Marshaller<FetchResponse> standard = BrokerServiceGrpc.getFetchMethod().getResponseMarshaller();

    @Override
    public InputStream stream(FetchResponse value) {
        return standard.stream(value);
    }

    @Override
    public FetchResponse parse(InputStream stream) {
        try {
            byte[] bytes = readAll(stream);
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
            in.enableAliasing(true);
            return FetchResponse.parser().parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw Status.INTERNAL.withDescription("invalid Fetch answer: " + e.getMessage()).withCause(e).asRuntimeException();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("could not read a Fetch answer: " + e).withCause(e).asRuntimeException();
        }
    }

    static byte[] readAll(InputStream stream) throws IOException {
        if (!(stream instanceof KnownLength)) {
            return stream.readAllBytes();
        }
        byte[] bytes = new byte[stream.available()];
        int n = stream.readNBytes(bytes, 0, bytes.length);
        if (n < bytes.length) {
            throw new IOException("the message ended after " + n + " of " + bytes.length + " bytes");
        }
        return bytes;
    }
}
