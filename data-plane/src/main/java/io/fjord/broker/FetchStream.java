package io.fjord.broker;

import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.FetchStreamRequest;
import io.fjord.proto.FetchStreamResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's FetchStream call: every request goes through the same long-poll path as a unary
 * Fetch ({@link FetchPurgatory}) and its answer goes back tagged with the request's correlation id,
 * whenever it is ready. When the client half-closes, the stream completes once every answer is out.
 *
 * <p>Threading: onNext/onCompleted/onError come serialised from gRPC; answers from any thread (the
 * purgatory's), so the outgoing side is {@link StreamAnswers}, which is thread-safe.
 */
final class FetchStream implements OpenStream, StreamObserver<FetchStreamRequest> {
    private static final Logger log = LoggerFactory.getLogger(FetchStream.class);

    private final int brokerId;
    private final BiConsumer<FetchRequest, StreamObserver<FetchResponse>> fetch;
    private final StreamAnswers<FetchStreamResponse> answers;

    /** @param fetch answers a request once, through the observer's onNext (the broker's fetch path) */
    FetchStream(int brokerId, BiConsumer<FetchRequest, StreamObserver<FetchResponse>> fetch,
                ServerCallStreamObserver<FetchStreamResponse> out) {
        this.brokerId = brokerId;
        this.fetch = fetch;
        this.answers = new StreamAnswers<>(out);
    }

    @Override
    public void onNext(FetchStreamRequest req) {
        answers.expect();
        long correlationId = req.getCorrelationId();
        try {
            fetch.accept(req.getRequest(), new StreamObserver<>() {
                @Override
                public void onNext(FetchResponse resp) {
                    answers.answer(FetchStreamResponse.newBuilder().setCorrelationId(correlationId).setResponse(resp).build());
                }

                @Override
                public void onError(Throwable t) {
                    answers.fail(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    // one answer per request: onNext already sent it
                }
            });
        } catch (RuntimeException e) {
            log.error("Fetch failed", e);
            answers.fail(Status.INTERNAL.withDescription("Fetch failed on broker " + brokerId + ": " + e));
        }
    }

    /**
     * Ends the stream because the broker is stopping: a follower's stream never half-closes by
     * itself, and the server's shutdown would otherwise wait for it. The follower fails its pending
     * fetch and fetches again from whoever leads next.
     */
    @Override
    public void shutdown() {
        answers.fail(Status.UNAVAILABLE.withDescription("broker " + brokerId + " is shutting down"));
    }

    @Override
    public boolean isFinished() {
        return answers.isFinished();
    }

    @Override
    public void onError(Throwable t) {
        // The client cancelled or went away: parked fetches still answer into a finished stream.
        answers.clientGone();
        log.debug("Fetch stream ended by the client: {}", t.toString());
    }

    @Override
    public void onCompleted() {
        answers.clientHalfClosed();
    }
}
