package io.fjord.clients.consumer.internals;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.FetchPartitionData;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.FetchableTopicResponse;
import io.grpc.KnownLength;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FetchResponseParserTest {
    private final FetchResponseParser parser = new FetchResponseParser();

    private static FetchResponse answer(byte[]... records) {
        FetchableTopicResponse.Builder t = FetchableTopicResponse.newBuilder().setTopic("orders");
        for (int p = 0; p < records.length; p++) {
            t.addPartitions(FetchPartitionData.newBuilder().setPartition(p).setErrorCode(ErrorCode.NONE)
                    .setHighWatermark(1000 + p).setRecords(ByteString.copyFrom(records[p])));
        }
        return FetchResponse.newBuilder().addTopics(t).build();
    }

    /** As gRPC hands messages to a parser: a stream that knows its length. */
    private static InputStream knownLength(byte[] bytes) {
        class Known extends ByteArrayInputStream implements KnownLength {
            Known() {
                super(bytes);
            }
        }
        return new Known();
    }

    @Test
    void parsesWhatTheStandardMarshallerWritesWithEveryPartitionsRecordsIntact() throws Exception {
        Random random = new Random(7);
        byte[] a = new byte[1 << 20];
        byte[] b = new byte[70_000];
        random.nextBytes(a);
        random.nextBytes(b);
        FetchResponse sent = answer(a, b, new byte[0]);

        FetchResponse got = parser.parse(knownLength(parser.stream(sent).readAllBytes()));

        assertEquals(sent, got);
        FetchPartitionData p0 = got.getTopics(0).getPartitions(0);
        assertArrayEquals(a, p0.getRecords().toByteArray());
        assertEquals(1000, p0.getHighWatermark());
        assertArrayEquals(b, got.getTopics(0).getPartitions(1).getRecords().toByteArray());
        assertTrue(got.getTopics(0).getPartitions(2).getRecords().isEmpty());
    }

    @Test
    void parsesFromAStreamOfUnknownLengthToo() throws Exception {
        FetchResponse sent = answer(new byte[] {1, 2, 3});
        assertEquals(sent, parser.parse(new ByteArrayInputStream(parser.stream(sent).readAllBytes())));
    }

    @Test
    void aTruncatedAnswerIsAnInternalErrorNotAShorterAnswer() throws Exception {
        byte[] whole = parser.stream(answer(new byte[5000])).readAllBytes();
        byte[] cut = Arrays.copyOf(whole, whole.length - 100);

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> parser.parse(knownLength(cut)));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("invalid Fetch answer"), e.getStatus().getDescription());
    }

    @Test
    void garbageIsAnInternalError() {
        byte[] garbage = new byte[64];
        Arrays.fill(garbage, (byte) 0xff);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> parser.parse(knownLength(garbage)));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    }
}
