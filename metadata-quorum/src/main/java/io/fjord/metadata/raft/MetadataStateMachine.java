package io.fjord.metadata.raft;

import io.fjord.metadata.image.MetadataDelta;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.proto.controller.MetadataEvent;
import io.fjord.proto.metadata.MetadataBatch;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Ratis state machine: a thin adapter from committed log entries to {@link MetadataImage}s.
 * Each entry holds one {@link MetadataBatch}; its Raft index is the metadata offset of every record in
 * it. Snapshots are the image written out as records.
 *
 * <p>Format (snapshot file {@code sm/snapshot.<term>_<index>} plus its {@code .md5}): one
 * {@link MetadataEvent} (last_offset = the image's offset, reset_image = true, batch = the image's
 * records), protobuf-encoded.
 *
 * <p>Threading: Ratis calls apply, snapshot and load on its state-machine updater thread; the image is
 * published through one volatile field and read lock-free from any thread; commit listeners run on the
 * updater thread and must only schedule work.
 */
public final class MetadataStateMachine extends BaseStateMachine implements CommittedMetadata {
    private static final Logger log = LoggerFactory.getLogger(MetadataStateMachine.class);

    /** Observes the state machine; called on the Ratis updater thread, must not block. */
    public interface Listener {
        /** A batch was applied, or a snapshot replaced the image. */
        void onCommit();

        /** The Raft leader changed (id null while unknown). */
        default void onLeaderChanged(RaftPeerId leaderId) { }
    }

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final RecentBatches recent;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private final AtomicInteger reinitializations = new AtomicInteger();
    private volatile long loadedSnapshotOffset = -1;

    public MetadataStateMachine(int recentBatches) {
        this.recent = new RecentBatches(recentBatches);
    }

    @Override
    public MetadataImage image() {
        return image;
    }

    /** How often Ratis reloaded state from a snapshot while running (a snapshot installed from the leader). */
    public int reinitializations() {
        return reinitializations.get();
    }

    /** The metadata offset of the last snapshot loaded (at start or on install), -1 if none. */
    public long loadedSnapshotOffset() {
        return loadedSnapshotOffset;
    }

    @Override
    public RecentBatches recent() {
        return recent;
    }

    @Override
    public void addListener(Listener l) {
        listeners.add(l);
    }

    @Override
    public void removeListener(Listener l) {
        listeners.remove(l);
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        getLifeCycle().startAndTransition(() -> load(storage.loadLatestSnapshot()), IOException.class);
    }

    // Ratis pauses the state machine, copies an installed snapshot into sm/, then reinitializes; it
    // checks these lifecycle states, so the transitions are required (see DEPENDENCIES.md).
    @Override
    public void pause() {
        LifeCycle lc = getLifeCycle();
        if (lc.getCurrentState() == LifeCycle.State.RUNNING) {
            lc.transition(LifeCycle.State.PAUSING);
            lc.transition(LifeCycle.State.PAUSED);
        }
    }

    @Override
    public void reinitialize() throws IOException {
        LifeCycle lc = getLifeCycle();
        if (lc.getCurrentState() == LifeCycle.State.PAUSED) {
            lc.transition(LifeCycle.State.STARTING);
        }
        load(storage.loadLatestSnapshot());
        reinitializations.incrementAndGet();
        if (lc.getCurrentState() == LifeCycle.State.STARTING) {
            lc.transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        MetadataBatch batch;
        try {
            batch = MetadataBatch.parseFrom(entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
        } catch (IOException e) {
            // A committed entry that does not decode means a corrupt log or a foreign writer: applying
            // around it would make this node's image differ from the others'. Stop here.
            throw new IllegalStateException("metadata log entry " + index + " does not decode", e);
        }
        MetadataDelta delta = new MetadataDelta(image);
        delta.replay(batch, index);
        image = delta.apply(index);
        recent.add(index, batch);
        updateLastAppliedTermIndex(entry.getTerm(), index);
        notifyCommit();
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(
                ByteBuffer.allocate(Long.BYTES).putLong(0, index))));
    }

    /** Decodes the offset {@link #applyTransaction} answers with. */
    public static long offsetOf(Message reply) {
        return reply.getContent().asReadOnlyByteBuffer().getLong();
    }

    @Override
    public long takeSnapshot() throws IOException {
        MetadataImage snapshot = image;
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return -1;
        }
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        Path tmp = file.toPath().resolveSibling(file.getName() + ".tmp");
        MetadataEvent event = MetadataEvent.newBuilder().setLastOffset(snapshot.offset()).setResetImage(true)
                .setBatch(snapshot.toBatch()).build();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
            event.writeTo(out);
        }
        Files.move(tmp, file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
        // SimpleStateMachineStorage caches the latest snapshot and does not rescan the directory.
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
        log.info("Wrote metadata snapshot {} at offset {} ({} records)", file.getName(), snapshot.offset(),
                event.getBatch().getRecordsCount());
        return last.getIndex();
    }

    private void load(SingleFileSnapshotInfo info) throws IOException {
        if (info == null) {
            return;
        }
        File file = info.getFile().getPath().toFile();
        if (info.getFile().getFileDigest() != null) {
            MD5FileUtil.verifySavedMD5(file, info.getFile().getFileDigest());
        }
        MetadataEvent event;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file.toPath()))) {
            event = MetadataEvent.parseFrom(in);
        }
        image = MetadataImage.fromRecords(event.getBatch().getRecordsList(), event.getLastOffset());
        recent.reset(image.offset());
        loadedSnapshotOffset = image.offset();
        setLastAppliedTermIndex(info.getTermIndex());
        log.info("Loaded metadata snapshot {} at offset {}", file.getName(), image.offset());
        notifyCommit();
    }

    private void notifyCommit() {
        for (Listener l : listeners) {
            try {
                l.onCommit();
            } catch (RuntimeException e) {
                log.warn("metadata commit listener failed", e);
            }
        }
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        for (Listener l : listeners) {
            try {
                l.onLeaderChanged(newLeaderId);
            } catch (RuntimeException e) {
                log.warn("leader change listener failed", e);
            }
        }
    }
}
