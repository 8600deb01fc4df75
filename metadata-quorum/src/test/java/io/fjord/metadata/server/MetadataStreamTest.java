package io.fjord.metadata.server;

import io.fjord.metadata.image.MetadataImage;
import io.fjord.metadata.image.Records;
import io.fjord.metadata.raft.CommittedMetadata;
import io.fjord.metadata.raft.MetadataStateMachine;
import io.fjord.metadata.raft.RecentBatches;
import io.fjord.proto.controller.MetadataEvent;
import io.fjord.proto.metadata.MetadataBatch;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/** Flow control and window handling of one FollowMetadata stream, without gRPC or Ratis. */
class MetadataStreamTest {

    static final class FakeCommitted implements CommittedMetadata {
        final RecentBatches recent = new RecentBatches(4);
        final List<MetadataStateMachine.Listener> listeners = new CopyOnWriteArrayList<>();
        MetadataImage image = MetadataImage.EMPTY;

        void commit(long offset) {
            MetadataBatch batch = MetadataBatch.newBuilder().addRecords(Records.topic("t" + offset, "id" + offset)).build();
            image = Records.apply(image, List.of(batch.getRecords(0)));
            image = new MetadataImage(offset, image.cluster(), image.topics(), image.configs(), image.producerIds());
            recent.add(offset, batch);
            listeners.forEach(MetadataStateMachine.Listener::onCommit);
        }

        @Override public MetadataImage image() { return image; }
        @Override public RecentBatches recent() { return recent; }
        @Override public void addListener(MetadataStateMachine.Listener l) { listeners.add(l); }
        @Override public void removeListener(MetadataStateMachine.Listener l) { listeners.remove(l); }
    }

    static final class FakeCall extends ServerCallStreamObserver<MetadataEvent> {
        final List<MetadataEvent> sent = new ArrayList<>();
        Throwable error;
        boolean ready = true;
        Runnable onReady = () -> { };

        void becomeReady() {
            ready = true;
            onReady.run();
        }

        @Override public boolean isCancelled() { return false; }
        @Override public void setOnCancelHandler(Runnable r) { }
        @Override public void setCompression(String c) { }
        @Override public boolean isReady() { return ready; }
        @Override public void setOnReadyHandler(Runnable r) { onReady = r; }
        @Override public void request(int n) { }
        @Override public void setMessageCompression(boolean e) { }
        @Override public void disableAutoInboundFlowControl() { }
        @Override public void onNext(MetadataEvent e) { sent.add(e); }
        @Override public void onError(Throwable t) { error = t; }
        @Override public void onCompleted() { }
    }

    private static List<Long> offsets(FakeCall call) {
        return call.sent.stream().map(MetadataEvent::getLastOffset).toList();
    }

    @Test
    void streamsCommittedBatchesThenFollowsNewCommits() {
        FakeCommitted m = new FakeCommitted();
        m.commit(1);
        m.commit(2);
        FakeCall call = new FakeCall();
        new MetadataStream(m, call, Runnable::run, 0).start();
        assertEquals(List.of(1L, 2L), offsets(call));
        m.commit(5);
        assertEquals(List.of(1L, 2L, 5L), offsets(call));
        assertFalse(call.sent.stream().anyMatch(MetadataEvent::getResetImage));
    }

    @Test
    void sendsNothingWhileTheCallIsNotReady() {
        FakeCommitted m = new FakeCommitted();
        FakeCall call = new FakeCall();
        call.ready = false;
        new MetadataStream(m, call, Runnable::run, 0).start();
        m.commit(1);
        m.commit(2);
        assertTrue(call.sent.isEmpty());
        call.becomeReady();
        assertEquals(List.of(1L, 2L), offsets(call));
    }

    @Test
    void followerBehindTheWindowAtStartGetsTheImage() {
        FakeCommitted m = new FakeCommitted();
        for (long o = 1; o <= 6; o++) {
            m.commit(o);
        }
        FakeCall call = new FakeCall();
        new MetadataStream(m, call, Runnable::run, 1).start();
        assertTrue(call.sent.get(0).getResetImage());
        assertEquals(6, call.sent.get(0).getLastOffset());
        assertEquals(6, call.sent.get(0).getBatch().getRecordsCount());
        m.commit(7);
        assertEquals(List.of(6L, 7L), offsets(call));
    }

    @Test
    void followerTooSlowForTheWindowIsCutOffToResume() {
        FakeCommitted m = new FakeCommitted();
        m.commit(1);
        FakeCall call = new FakeCall();
        new MetadataStream(m, call, Runnable::run, 0).start();
        call.ready = false;
        for (long o = 2; o <= 8; o++) {
            m.commit(o);   // the 4-batch window drops offsets 2..4 while the follower is not reading
        }
        call.becomeReady();
        assertEquals(List.of(1L), offsets(call));
        assertNotNull(call.error);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(call.error).getCode());
        assertTrue(m.listeners.isEmpty(), "the closed stream no longer listens");
    }
}
