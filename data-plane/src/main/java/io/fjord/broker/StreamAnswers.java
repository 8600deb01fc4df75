package io.fjord.broker;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * The answering side of a request/answer stream call (ProduceStream, FetchStream): counts the answers
 * still owed, sends each unless the call is over, and completes the call once the client has
 * half-closed and every answer is out.
 *
 * <p>Threading: thread-safe; answers come from any thread, so sending is guarded by this object.
 */
final class StreamAnswers<T> {
    private final ServerCallStreamObserver<T> out;
    private int pending;
    private boolean halfClosed;
    private boolean finished;

    StreamAnswers(ServerCallStreamObserver<T> out) {
        this.out = out;
    }

    /** A request arrived that will be answered. */
    synchronized void expect() {
        pending++;
    }

    synchronized void answer(T message) {
        pending--;
        if (finished || out.isCancelled()) {
            return;
        }
        out.onNext(message);
        maybeComplete();
    }

    /** Ends the call with an error; answers still owed are dropped. */
    synchronized void fail(Status status) {
        if (!finished) {
            finished = true;
            out.onError(status.asRuntimeException());
        }
    }

    /** The client cancelled or went away: answers still owed are dropped. */
    synchronized void clientGone() {
        finished = true;
    }

    /**
     * The broker is stopping: completes the call once every answer owed is out (at once when none
     * is), as if the client had half-closed. A request that arrives before then is still answered.
     */
    synchronized void finishWhenAnswered() {
        halfClosed = true;
        maybeComplete();
    }

    /** The client sent its last request. */
    synchronized void clientHalfClosed() {
        halfClosed = true;
        maybeComplete();
    }

    synchronized boolean isFinished() {
        return finished;
    }

    private void maybeComplete() {
        if (halfClosed && pending == 0 && !finished) {
            finished = true;
            out.onCompleted();
        }
    }
}
