package io.fjord.broker;

import io.fjord.proto.ProduceRequest;
import io.fjord.proto.ProduceResponse;
import io.fjord.proto.ProduceStreamRequest;
import io.fjord.proto.ProduceStreamResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * One client's ProduceStream call. gRPC delivers a stream's messages one at a time in the order sent,
 * and the broker's produce path ({@link ProduceHandler#handle}) appends before it returns, so requests are appended in send
 * order: what lets a producer keep several batches of one partition in flight. Answers (acks=all ones
 * complete later, on other threads) go back tagged with the request's correlation id; acks=0
 * requests get none. When the client half-closes, the stream completes once every answer is out.
 *
 * <p>Threading: onNext/onCompleted/onError come serialised from gRPC; answers from any thread, so the
 * outgoing side is {@link StreamAnswers}, which is thread-safe.
 */
final class ProduceStream implements OpenStream, StreamObserver<ProduceStreamRequest> {
    private static final Logger log = LoggerFactory.getLogger(ProduceStream.class);

    private final int brokerId;
    private final BiConsumer<ProduceRequest, Consumer<ProduceResponse>> produce;
    private final StreamAnswers<ProduceStreamResponse> answers;

    /** @param produce appends a request and later calls back with its answer (the broker's produce path) */
    ProduceStream(int brokerId, BiConsumer<ProduceRequest, Consumer<ProduceResponse>> produce,
                  ServerCallStreamObserver<ProduceStreamResponse> out) {
        this.brokerId = brokerId;
        this.produce = produce;
        this.answers = new StreamAnswers<>(out);
    }

    @Override
    public void onNext(ProduceStreamRequest req) {
        boolean answered = req.getRequest().getAcks() != 0;
        if (answered) {
            answers.expect();
        }
        long correlationId = req.getCorrelationId();
        try {
            produce.accept(req.getRequest(), resp -> {
                if (answered) {
                    answers.answer(ProduceStreamResponse.newBuilder().setCorrelationId(correlationId).setResponse(resp).build());
                }
            });
        } catch (RuntimeException e) {
            log.error("Produce failed", e);
            answers.fail(Status.INTERNAL.withDescription("Produce failed on broker " + brokerId + ": " + e));
        }
    }

    /**
     * Ends the stream because the broker is stopping, once the answers owed are out: a producer's
     * stream never half-closes by itself, and the server's shutdown would otherwise wait for it
     * (shutdown.timeout.ms). The producer retries what it had not sent yet elsewhere.
     */
    @Override
    public void shutdown() {
        answers.finishWhenAnswered();
    }

    @Override
    public boolean isFinished() {
        return answers.isFinished();
    }

    @Override
    public void onError(Throwable t) {
        answers.clientGone();
        log.debug("Produce stream ended by the client: {}", t.toString());
    }

    @Override
    public void onCompleted() {
        answers.clientHalfClosed();
    }
}
