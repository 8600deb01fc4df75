package io.fjord.metadata.server;

import io.fjord.metadata.image.MetadataImage;
import io.fjord.metadata.raft.CommittedMetadata;
import io.fjord.metadata.raft.MetadataStateMachine;
import io.fjord.metadata.raft.RecentBatches;
import io.fjord.proto.controller.MetadataEvent;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One FollowMetadata call: committed batches from the requested offset on, then each new commit.
 * Sends only while the call is ready (gRPC flow control), so at most one message beyond the transport
 * window is ever buffered. A follower that falls so far behind that the batches it needs left the
 * in-memory window is cut off with RESOURCE_EXHAUSTED and resumes from its last offset (getting the
 * image if it must). A follower that starts behind the window gets the image (reset_image) first.
 *
 * <p>Threading: commit notifications and onReady schedule {@link #drain} on the shared sender executor;
 * at most one drain of a stream is scheduled or running at a time.
 */
final class MetadataStream implements MetadataStateMachine.Listener {
    private static final int ENTRIES_PER_READ = 32;

    private final CommittedMetadata stateMachine;
    private final ServerCallStreamObserver<MetadataEvent> call;
    private final Executor executor;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean closed;
    private long nextOffset;
    private boolean sentAny;

    MetadataStream(CommittedMetadata stateMachine, ServerCallStreamObserver<MetadataEvent> call, Executor executor,
                   long fromOffset) {
        this.stateMachine = stateMachine;
        this.call = call;
        this.executor = executor;
        this.nextOffset = Math.max(0, fromOffset);
    }

    void start() {
        call.setOnCancelHandler(this::close);
        call.setOnReadyHandler(this::schedule);
        stateMachine.addListener(this);
        schedule();
    }

    @Override
    public void onCommit() {
        schedule();
    }

    private void schedule() {
        if (!closed && scheduled.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RuntimeException e) {
                scheduled.set(false);
                fail(Status.UNAVAILABLE.withDescription("controller shutting down"));
            }
        }
    }

    private synchronized void drain() {
        scheduled.set(false);
        try {
            while (!closed && call.isReady()) {
                RecentBatches recent = stateMachine.recent();
                List<RecentBatches.Entry> entries = recent.from(nextOffset, ENTRIES_PER_READ);
                if (entries == null) {
                    if (sentAny) {
                        fail(Status.RESOURCE_EXHAUSTED.withDescription("metadata follower too slow: offset " + nextOffset
                                + " left the controller's window; resume from your last applied offset"));
                        return;
                    }
                    MetadataImage image = stateMachine.image();
                    call.onNext(MetadataEvent.newBuilder().setLastOffset(image.offset()).setResetImage(true)
                            .setBatch(image.toBatch()).build());
                    nextOffset = image.offset() + 1;
                    sentAny = true;
                    continue;
                }
                if (entries.isEmpty()) {
                    return;
                }
                for (RecentBatches.Entry e : entries) {
                    call.onNext(MetadataEvent.newBuilder().setLastOffset(e.offset()).setBatch(e.batch()).build());
                    nextOffset = e.offset() + 1;
                    sentAny = true;
                    if (!call.isReady()) {
                        return;
                    }
                }
            }
        } catch (RuntimeException e) {
            // The call was cancelled under us (onNext after cancel throws); nothing left to tell.
            close();
        }
    }

    private void fail(Status status) {
        if (!closed) {
            close();
            try {
                call.onError(status.asRuntimeException());
            } catch (RuntimeException ignored) {
                // already cancelled
            }
        }
    }

    void close() {
        closed = true;
        stateMachine.removeListener(this);
    }

    /** Ends the stream (controller shutting down); the follower reconnects elsewhere. */
    void shutdown() {
        fail(Status.UNAVAILABLE.withDescription("controller shutting down"));
    }
}
